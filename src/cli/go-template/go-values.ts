/**
 * Template data seen as Go sees it. berth's inspect objects are JSON, so a
 * JS object is a Go map (a missing key is `<no value>`, keys range in sorted
 * order) and an array a slice. A {@link GoStruct} stands for one of docker's
 * list rows (`ps`, `images`), whose field set is fixed: an unknown field is
 * an error there, as it is for a Go struct, and a field may be a method
 * taking arguments (`{{.Label "k"}}`).
 */

/** A method of a {@link GoStruct}: called with the template's arguments. */
export type TemplateMethod = (...args: unknown[]) => unknown;

export class GoStruct {
  /**
   * @param typeName Go's name for it in errors ("*formatter.ContainerContext").
   * @param fields its fields and methods, in the order `{{json .}}` prints them.
   * @param unsupported fields docker has that berth cannot fill, each with the reason.
   */
  constructor(
    readonly typeName: string,
    readonly fields: Readonly<Record<string, unknown>>,
    readonly unsupported: Readonly<Record<string, string>> = {},
  ) {}

  /** What `{{json .}}` prints: the fields that are values, not methods (docker marshals its rows' fields so). */
  toJSON(): Record<string, unknown> {
    return Object.fromEntries(Object.entries(this.fields).filter(([, v]) => typeof v !== "function"));
  }
}

export const isMap = (v: unknown): v is Readonly<Record<string, unknown>> =>
  typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof GoStruct);

/** Whether Go would hold this number in an int (an int64): integral and in range; else it is a float64. */
export const isGoInt = (n: number): boolean => Number.isInteger(n) && Math.abs(n) < 2 ** 63;

/** Go's name for a value's type, as its errors say it. */
export function goTypeName(v: unknown): string {
  if (v === undefined || v === null) return "<nil>";
  if (typeof v === "string") return "string";
  if (typeof v === "boolean") return "bool";
  if (typeof v === "number") return isGoInt(v) ? "int" : "float64";
  if (Array.isArray(v)) return "[]interface {}";
  if (v instanceof GoStruct) return v.typeName;
  if (typeof v === "function") return "func";
  return "map[string]interface {}";
}

/** Go's truth for {{if}}, {{with}}, and, or, not: false, 0, nil, and empty strings, slices and maps are false. */
export function isTrue(v: unknown): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === "") return false;
  if (Array.isArray(v)) return v.length > 0;
  if (isMap(v)) return Object.keys(v).length > 0;
  return true;
}

/** A number as Go's %v prints it: integers in full, others as %g with a two-digit exponent (1e-07). */
export function goNumber(n: number): string {
  if (isGoInt(n)) return BigInt(n).toString();
  if (!Number.isFinite(n)) return Number.isNaN(n) ? "NaN" : n > 0 ? "+Inf" : "-Inf";
  return String(n).replace(/e([+-])(\d)$/, "e$10$2");
}

/**
 * A value as Go's fmt prints it with %v (and a template action with no
 * verb): `[a b]` for a slice, `map[k:v]` in key order for a map,
 * `<no value>` for a missing one.
 */
export function goText(v: unknown, top = true): string {
  if (v === undefined) return "<no value>";
  if (v === null) return top ? "<no value>" : "<nil>";
  if (typeof v === "string") return v;
  if (typeof v === "number") return goNumber(v);
  if (typeof v === "boolean") return String(v);
  if (Array.isArray(v)) return `[${v.map((e) => goText(e, false)).join(" ")}]`;
  if (v instanceof GoStruct) return `{${Object.values(v.toJSON()).map((e) => goText(e, false)).join(" ")}}`;
  if (isMap(v)) return `map[${Object.keys(v).sort().map((k) => `${k}:${goText(v[k], false)}`).join(" ")}]`;
  return String(v);
}

/**
 * docker's `json` function: Go's encoding/json, compact, with `<`, `>`, `&`,
 * U+2028 and U+2029 escaped (Go escapes them for HTML), and no trailing
 * newline. Objects keep their order (they are docker's structs, which Go
 * prints in field order).
 */
export function goJson(v: unknown): string {
  const text = JSON.stringify(v === undefined ? null : v) ?? "null";
  return text.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** Go's strconv.Quote: a double-quoted string with Go's escapes. */
export function goQuote(s: string): string {
  const named: Readonly<Record<string, string>> = { "\x07": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v", "\\": "\\\\", '"': '\\"' };
  let out = "";
  for (const c of s) {
    const code = c.codePointAt(0)!;
    if (named[c] !== undefined) out += named[c];
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, "0")}`;
    else out += c;
  }
  return `"${out}"`;
}
