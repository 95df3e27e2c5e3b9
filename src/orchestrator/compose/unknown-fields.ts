import type * as z from "zod";
import { isPlainObject } from "./interpolate-values.js";
import { ignored } from "./schema-primitives.js";
import type { YamlPath } from "./yaml-path.js";

/** A field berth will not act on: unknown to compose, or known to compose and ignored by berth. */
export interface UnusedField {
  readonly path: YamlPath;
  readonly kind: "unknown" | "ignored";
}

type Def = { type: string; innerType?: z.ZodType; in?: z.ZodType; options?: z.ZodType[]; shape?: Record<string, z.ZodType>; valueType?: z.ZodType; element?: z.ZodType };
const defOf = (s: z.ZodType): Def => (s as unknown as { _zod: { def: Def } })._zod.def;

function unwrap(schema: z.ZodType): z.ZodType {
  let s = schema;
  for (let i = 0; i < 20; i++) {
    const d = defOf(s);
    if (d.innerType !== undefined && ["optional", "nullable", "default", "prefault", "readonly", "catch", "nonoptional"].includes(d.type)) s = d.innerType;
    else if (d.type === "pipe" && d.in !== undefined) s = d.in;
    else break;
  }
  return s;
}

const takes = (schema: z.ZodType, value: unknown): boolean => {
  const t = defOf(schema).type;
  return isPlainObject(value) ? t === "object" || t === "record" : Array.isArray(value) ? t === "array" : false;
};

/**
 * List the fields of `value` that `schema` does not use: keys a mapping's
 * schema does not name (`x-*` keys are extensions and never listed), and keys
 * whose schema is {@link ignored}. Walks into nested mappings and lists that
 * the schema describes; stops where the value does not have the schema's
 * shape (the schema check reports that).
 */
export function unusedFields(schema: z.ZodType, value: unknown, path: YamlPath = []): UnusedField[] {
  const out: UnusedField[] = [];
  walk(schema, value, path, out);
  return out;
}

function walk(schema: z.ZodType, value: unknown, path: YamlPath, out: UnusedField[]): void {
  const s = unwrap(schema);
  const d = defOf(s);
  if (d.type === "union") {
    const option = d.options?.map(unwrap).find((o) => takes(o, value));
    if (option !== undefined) walk(option, value, path, out);
  } else if (d.type === "object" && isPlainObject(value) && d.shape !== undefined) {
    for (const [key, v] of Object.entries(value)) {
      const field = d.shape[key];
      if (field === undefined) {
        if (!key.startsWith("x-")) out.push({ path: [...path, key], kind: "unknown" });
      } else if (field === ignored) out.push({ path: [...path, key], kind: "ignored" });
      else walk(field, v, [...path, key], out);
    }
  } else if (d.type === "record" && isPlainObject(value) && d.valueType !== undefined) {
    for (const [key, v] of Object.entries(value)) walk(d.valueType, v, [...path, key], out);
  } else if (d.type === "array" && Array.isArray(value) && d.element !== undefined) {
    value.forEach((v, i) => walk(d.element!, v, [...path, i], out));
  }
}
