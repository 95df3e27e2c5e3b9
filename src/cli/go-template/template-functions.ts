import { goSprintf } from "./go-printf.js";
import { goJson, goText, goTypeName, isMap, isTrue } from "./go-values.js";

/** A template function: its arguments evaluated, the pipeline's value last. Throws an Error whose message says what was wrong. */
export type TemplateFunction = (...args: unknown[]) => unknown;

function arity(name: string, args: readonly unknown[], want: number): void {
  if (args.length !== want) throw new Error(`wrong number of args for ${name}: want ${want} got ${args.length}`);
}

function text(name: string, v: unknown): string {
  if (typeof v !== "string") throw new Error(`${name}: wrong type for value; expected string; got ${goTypeName(v)}`);
  return v;
}

function integer(name: string, v: unknown): number {
  if (typeof v !== "number" || !Number.isSafeInteger(v)) throw new Error(`${name}: expected an integer; got ${goTypeName(v)} ${goText(v, false)}`);
  return v;
}

/** Go's fmt.Sprint: a space between two operands when neither is a string. */
function sprint(args: readonly unknown[]): string {
  return args.map((a, i) => (i > 0 && typeof a !== "string" && typeof args[i - 1] !== "string" ? " " : "") + goText(a, false)).join("");
}

/** Go's `index`: a map's value for a key (missing: no value), a slice's element by position (out of range: an error). */
function index(item: unknown, ...keys: unknown[]): unknown {
  let v = item;
  for (const k of keys) {
    if (Array.isArray(v) || typeof v === "string") {
      const i = integer("index", k);
      if (i < 0 || i >= v.length) throw new Error(`index out of range: ${i}`);
      v = typeof v === "string" ? Buffer.from(v)[i] : v[i];
    } else if (isMap(v)) {
      if (typeof k !== "string") throw new Error(`value has type ${goTypeName(k)}; should be string`);
      v = Object.hasOwn(v, k) ? v[k] : undefined;
    } else if (v === undefined || v === null) {
      throw new Error("index of untyped nil");
    } else {
      throw new Error(`can't index item of type ${goTypeName(v)}`);
    }
  }
  return v;
}

/** Go's eq/lt…: basic values of one kind; comparing others is an error, as in Go. */
function compare(name: string, a: unknown, b: unknown): number {
  const kind = (v: unknown): string => (v === null || v === undefined ? "nil" : typeof v);
  if (kind(a) !== kind(b) || !["string", "number", "boolean", "nil"].includes(kind(a))) {
    throw new Error(`incompatible types for comparison: ${goTypeName(a)} and ${goTypeName(b)}`);
  }
  if (kind(a) === "nil") return 0;
  if (name !== "eq" && name !== "ne" && typeof a === "boolean") throw new Error(`invalid type for comparison`);
  return a === b ? 0 : (a as string | number) < (b as string | number) ? -1 : 1;
}

/** docker's `title`: each word's first letter upper-cased (Go's strings.Title). */
const title = (s: string): string => s.replace(/(^|[^\p{L}\p{N}_'])(\p{L})/gu, (_m, sep: string, c: string) => sep + c.toUpperCase());

/**
 * The functions of docker's templates: Go's built-ins (and, or, not, len,
 * index, print, printf, println, eq, ne, lt, le, gt, ge) and docker's own
 * (json, join, split, title, lower, upper, pad, truncate).
 */
export const TEMPLATE_FUNCTIONS: Readonly<Record<string, TemplateFunction>> = {
  and: (...args) => {
    if (args.length === 0) throw new Error("wrong number of args for and: want at least 1 got 0");
    return args.find((a) => !isTrue(a)) ?? args[args.length - 1];
  },
  or: (...args) => {
    if (args.length === 0) throw new Error("wrong number of args for or: want at least 1 got 0");
    return args.find((a) => isTrue(a)) ?? args[args.length - 1];
  },
  not: (...args) => (arity("not", args, 1), !isTrue(args[0])),
  len: (...args) => {
    arity("len", args, 1);
    const v = args[0];
    if (typeof v === "string") return Buffer.byteLength(v); // Go's len counts bytes
    if (Array.isArray(v)) return v.length;
    if (isMap(v)) return Object.keys(v).length;
    throw new Error(`len of type ${goTypeName(v)}`);
  },
  index: (...args) => {
    if (args.length === 0) throw new Error("wrong number of args for index: want at least 1 got 0");
    return index(args[0], ...args.slice(1));
  },
  print: (...args) => sprint(args),
  println: (...args) => `${args.map((a) => goText(a, false)).join(" ")}\n`,
  printf: (...args) => {
    if (args.length === 0) throw new Error("wrong number of args for printf: want at least 1 got 0");
    return goSprintf(text("printf", args[0]), args.slice(1));
  },
  eq: (...args) => {
    if (args.length < 2) throw new Error(`wrong number of args for eq: want at least 2 got ${args.length}`);
    return args.slice(1).some((b) => compare("eq", args[0], b) === 0);
  },
  ne: (...args) => (arity("ne", args, 2), compare("ne", args[0], args[1]) !== 0),
  lt: (...args) => (arity("lt", args, 2), compare("lt", args[0], args[1]) < 0),
  le: (...args) => (arity("le", args, 2), compare("le", args[0], args[1]) <= 0),
  gt: (...args) => (arity("gt", args, 2), compare("gt", args[0], args[1]) > 0),
  ge: (...args) => (arity("ge", args, 2), compare("ge", args[0], args[1]) >= 0),
  json: (...args) => (arity("json", args, 1), goJson(args[0])),
  join: (...args) => {
    arity("join", args, 2);
    const list = args[0] === undefined || args[0] === null ? [] : args[0];
    if (!Array.isArray(list)) throw new Error(`expected a list; got ${goTypeName(list)}`);
    return list.map((e) => goText(e, false)).join(text("join", args[1]));
  },
  split: (...args) => (arity("split", args, 2), text("split", args[0]).split(text("split", args[1]))),
  title: (...args) => (arity("title", args, 1), title(text("title", args[0]))),
  lower: (...args) => (arity("lower", args, 1), text("lower", args[0]).toLowerCase()),
  upper: (...args) => (arity("upper", args, 1), text("upper", args[0]).toUpperCase()),
  pad: (...args) => {
    arity("pad", args, 3);
    const [before, after] = [integer("pad", args[1]), integer("pad", args[2])];
    if (before < 0 || after < 0 || before + after > 1e6) throw new Error("widths must be 0 to 1000000");
    return " ".repeat(before) + text("pad", args[0]) + " ".repeat(after);
  },
  truncate: (...args) => {
    arity("truncate", args, 2);
    const s = [...text("truncate", args[0])];
    return s.slice(0, Math.max(0, integer("truncate", args[1]))).join("");
  },
};

/**
 * The functions as docker runs them over a table's header row (its
 * HeaderFunctions): those that would change a value give the header back
 * as it is, so `{{json .Names}}` heads its column NAMES.
 */
export const HEADER_FUNCTIONS: Readonly<Record<string, TemplateFunction>> = {
  ...TEMPLATE_FUNCTIONS,
  ...Object.fromEntries(["json", "join", "split", "title", "lower", "upper", "pad", "truncate"].map((n) => [n, (...args: unknown[]) => args[0]])),
};
