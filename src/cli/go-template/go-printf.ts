import { goNumber, goQuote, goText, goTypeName, isGoInt, isMap } from "./go-values.js";

/** Go's bound on a width or precision: past it fmt prints %!(BADWIDTH) rather than a million spaces. */
const MAX_WIDTH = 1e6;

const VERB = /%([-+# 0]*)(\d+|\*)?(?:\.(\d+|\*)?)?([a-zA-Z%])/g;

/**
 * Go's fmt.Sprintf for the verbs docker users write: %s %v %d %q %x %X %o
 * %b %c %t %f %e %g %%, with flags `-` `0` `+` and width and precision.
 * Mismatches print as Go does (`%!d(string=abc)`, `%!s(MISSING)`,
 * `%!(EXTRA int=1)`) rather than failing, as in Go.
 */
export function goSprintf(format: string, args: readonly unknown[]): string {
  let next = 0;
  let out = format.replace(VERB, (_m, flags: string, width: string | undefined, precision: string | undefined, verb: string) => {
    if (verb === "%") return "%";
    const take = (): { ok: boolean; v: unknown } => (next < args.length ? { ok: true, v: args[next++] } : { ok: false, v: undefined });
    const w = width === "*" ? Number(take().v) : width === undefined ? undefined : Number(width);
    const p = precision === "*" ? Number(take().v) : precision === undefined ? undefined : Number(precision);
    // As Go: a width or precision past the bound is reported, and the verb printed without it.
    const badWidth = w !== undefined && !(Math.abs(w) <= MAX_WIDTH);
    const badPrecision = p !== undefined && !(p >= 0 && p <= MAX_WIDTH);
    const arg = take();
    if (!arg.ok) return `%!${verb}(MISSING)`;
    const text = formatOne(verb, arg.v, flags, badPrecision ? undefined : p);
    return (badWidth ? "%!(BADWIDTH)" : "") + (badPrecision ? "%!(BADPREC)" : "") + pad(text, badWidth ? undefined : w, flags, verb);
  });
  if (next < args.length) out += `%!(EXTRA ${args.slice(next).map((a) => `${goTypeName(a)}=${goText(a, false)}`).join(", ")})`;
  return out;
}

function pad(text: string, width: number | undefined, flags: string, verb: string): string {
  if (width === undefined || !Number.isFinite(width) || [...text].length >= width) return text;
  const fill = width - [...text].length;
  if (flags.includes("-")) return text + " ".repeat(fill);
  if (flags.includes("0") && "dxXobfeg".includes(verb)) {
    const sign = /^[+-]/.test(text) ? text[0]! : "";
    return sign + "0".repeat(fill) + text.slice(sign.length);
  }
  return " ".repeat(fill) + text;
}

const bad = (verb: string, v: unknown): string => (v === undefined || v === null ? `%!${verb}(<nil>)` : `%!${verb}(${goTypeName(v)}=${goText(v, false)})`);

function formatOne(verb: string, v: unknown, flags: string, precision: number | undefined): string {
  // Go applies a verb to each element of a slice: printf "%d" [1 2] is [1 2].
  if (Array.isArray(v) && verb !== "v" && verb !== "T") return `[${v.map((e) => formatOne(verb, e, flags, precision)).join(" ")}]`;
  const plus = flags.includes("+") ? "+" : flags.includes(" ") ? " " : "";
  switch (verb) {
    case "v":
      return v === null || v === undefined ? "<nil>" : goText(v, false);
    case "T":
      return goTypeName(v);
    case "s":
      if (typeof v === "string") return precision === undefined ? v : [...v].slice(0, precision).join("");
      return typeof v === "object" && v !== null ? goText(v, false) : bad(verb, v);
    case "q":
      if (typeof v === "string") return goQuote(v);
      return typeof v === "number" && Number.isInteger(v) && v >= 0 ? `'${String.fromCodePoint(v)}'` : bad(verb, v);
    case "t":
      return typeof v === "boolean" ? String(v) : bad(verb, v);
    case "c":
      return typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= 0x10ffff ? String.fromCodePoint(v) : bad(verb, v);
    case "d":
    case "b":
    case "o":
    case "x":
    case "X": {
      if (typeof v === "string" && (verb === "x" || verb === "X")) {
        const hex = Buffer.from(v, "utf8").toString("hex");
        return verb === "X" ? hex.toUpperCase() : hex;
      }
      if (typeof v !== "number" || !isGoInt(v)) return bad(verb, v);
      const radix = { d: 10, b: 2, o: 8, x: 16, X: 16 }[verb];
      const digits = BigInt(Math.abs(v)).toString(radix);
      return (v < 0 ? "-" : plus) + (verb === "X" ? digits.toUpperCase() : digits);
    }
    case "f":
    case "F":
    case "e":
    case "g":
      if (typeof v !== "number") return bad(verb, v);
      if (verb === "g") return (v >= 0 ? plus : "") + (precision === undefined ? goNumber(v) : v.toPrecision(precision).replace(/e([+-])(\d)$/, "e$10$2"));
      if (verb === "e") return (v >= 0 ? plus : "") + v.toExponential(precision ?? 6).replace(/e([+-])(\d)$/, "e$10$2");
      return (v >= 0 ? plus : "") + v.toFixed(Math.min(precision ?? 6, 100));
    default:
      return isMap(v) || typeof v === "object" ? `%!${verb}(${goTypeName(v)}=${goText(v, false)})` : bad(verb, v);
  }
}
