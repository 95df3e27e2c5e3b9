import * as z from "zod";
import { parseByteSize } from "./byte-size.js";
import { parseDuration } from "./duration.js";

/**
 * Building blocks of the compose schemas. Values arrive after interpolation,
 * so a number or a boolean may be a string ("3", "true"): compose casts those,
 * and so do these.
 */

/** Turn a parser that throws (with an optional `hint`) into a zod transform; the message becomes the issue. */
export function parsedBy<S extends z.ZodType, O>(input: S, parse: (v: z.output<S>) => O) {
  return input.transform((v: z.output<S>, ctx) => {
    try {
      return parse(v);
    } catch (e) {
      const err = e as Error & { hint?: string };
      ctx.issues.push({ code: "custom", message: err.message, input: v, ...(err.hint !== undefined && { params: { hint: err.hint } }) });
      return z.NEVER;
    }
  });
}

const TRUE = ["true", "yes", "y", "on"];
const FALSE = ["false", "no", "n", "off"];

/** A boolean, or a string compose reads as one (true/false, yes/no, y/n, on/off, any case). */
export const bool = z.union([z.boolean(), z.string()], { error: "expected true or false" }).transform((v, ctx) => {
  if (typeof v === "boolean") return v;
  const s = v.toLowerCase();
  if (TRUE.includes(s)) return true;
  if (FALSE.includes(s)) return false;
  ctx.issues.push({ code: "custom", message: `expected true or false, got ${JSON.stringify(v)}`, input: v });
  return z.NEVER;
});

/** A whole number, or a string of one. */
export const int = z.union([z.number(), z.string()], { error: "expected a whole number" }).transform((v, ctx) => {
  const n = typeof v === "number" ? v : /^\s*-?\d+\s*$/.test(v) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n)) {
    ctx.issues.push({ code: "custom", message: `expected a whole number, got ${JSON.stringify(v)}`, input: v });
    return z.NEVER;
  }
  return n;
});

/** A whole number ≥ 0, or a string of one. */
export const count = int.pipe(z.number().min(0, { error: "must be 0 or more" }));

/** A number (fractions allowed), or a string of one. */
export const decimal = z.union([z.number(), z.string()], { error: "expected a number" }).transform((v, ctx) => {
  const n = typeof v === "number" ? v : /^\s*-?(\d+\.?\d*|\.\d+)\s*$/.test(v) ? Number(v) : NaN;
  if (!Number.isFinite(n)) {
    ctx.issues.push({ code: "custom", message: `expected a number, got ${JSON.stringify(v)}`, input: v });
    return z.NEVER;
  }
  return n;
});

/** A duration (`1m30s`, `500ms`) → milliseconds. */
export const duration = parsedBy(z.union([z.string(), z.number()], { error: "expected a duration such as 10s or 1m30s" }), parseDuration);

/** A byte value (`512m`, `1g`, a number) → bytes. */
export const byteSize = parsedBy(z.union([z.string(), z.number()], { error: "expected a byte value such as 512m or 1g" }), parseByteSize);

/** A number of CPUs (`0.5`, `"1.5"`), 0 or more. */
export const cpus = decimal.pipe(z.number().min(0, { error: "must be 0 or more" }));

/** A scalar that compose turns into a string (`42` → "42", `true` → "true"). */
export const scalarString = z.union([z.string(), z.number(), z.boolean()], { error: "expected a string, a number or a boolean" }).transform(String);

/** A string, or a list of them → a list. */
export const stringOrList = z.union([z.string().transform((s) => [s]), z.array(z.string())], { error: "expected a string or a list of strings" });

/**
 * compose's `list_or_dict`: `["KEY=value", "KEY"]` or `{KEY: value, KEY: null}`
 * → entries in order, the value null where none was given (`KEY`, `KEY:`).
 */
export const listOrDict = z.union(
  [
    z.array(scalarString).transform((items, ctx) => {
      const out: [string, string | null][] = [];
      for (const item of items) {
        const eq = item.indexOf("=");
        const key = eq < 0 ? item : item.slice(0, eq);
        if (key.trim() === "") {
          ctx.issues.push({ code: "custom", message: `${JSON.stringify(item)} has no name before "="`, input: item });
          return z.NEVER;
        }
        out.push([key, eq < 0 ? null : item.slice(eq + 1)]);
      }
      return out;
    }),
    z.record(z.string(), scalarString.nullable()).transform((r) => Object.entries(r)),
  ],
  { error: "expected a list of \"KEY=value\" strings or a mapping of KEY: value" },
);

/** A list, as `listOrDict` reads it, made into a record; later entries win. */
export const entriesToRecord = (entries: readonly (readonly [string, string | null])[], empty: string | null): Record<string, string | null> => {
  const out: Record<string, string | null> = {};
  for (const [k, v] of entries) out[k] = v ?? empty;
  return out;
};

/** Names of services, networks, volumes, secrets and configs, as the compose-spec schema allows them. */
export const RESOURCE_NAME = /^[a-zA-Z0-9._-]+$/;

/** An external resource: `true`, or the legacy `{name: …}`. */
export const external = z.union([bool, z.object({ name: z.string().optional() })], { error: "expected true, false or {name: …}" });

/** A field compose knows but berth does not act on: accepted unchecked, warned about. */
export const ignored = z.unknown().optional();
