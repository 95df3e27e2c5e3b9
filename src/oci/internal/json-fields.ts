import { InvalidArgumentError } from "../errors.js";

/**
 * Checks for fields of a parsed JSON document, shared by the oci parsers. Each
 * throws InvalidArgumentError whose message starts with the field's path
 * (`manifest.layers[2].digest: …`), and returns the value typed.
 */

/** A JSON object (not an array, not null). */
export const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

const MAX_SHOWN = 64;

/**
 * A short, safe description of a JSON value for an error message: `"text"`,
 * `12`, `null`, `an array`, `an object`. Never stringifies containers, which may
 * be nested too deep for JSON.stringify or be megabytes long.
 */
export function describeValue(v: unknown): string {
  if (v === undefined) return "nothing";
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "object") return "an object";
  if (typeof v === "string") {
    const shown = v.length > MAX_SHOWN ? `${v.slice(0, MAX_SHOWN)}…` : v;
    return JSON.stringify(shown);
  }
  return String(v);
}

export function checkObject(v: unknown, field: string): Record<string, unknown> {
  if (!isObject(v)) throw new InvalidArgumentError(`${field}: must be an object, got ${describeValue(v)}`);
  return v;
}

export function checkString(v: unknown, field: string): string {
  if (typeof v !== "string") throw new InvalidArgumentError(`${field}: must be a string, got ${describeValue(v)}`);
  return v;
}

export function checkBoolean(v: unknown, field: string): boolean {
  if (typeof v !== "boolean") throw new InvalidArgumentError(`${field}: must be true or false, got ${describeValue(v)}`);
  return v;
}

/** An integer JSON number (Go's int64 fields); `min` bounds it below. */
export function checkInteger(v: unknown, field: string, min = Number.MIN_SAFE_INTEGER): number {
  if (typeof v !== "number" || !Number.isInteger(v)) {
    throw new InvalidArgumentError(`${field}: must be an integer, got ${describeValue(v)}`);
  }
  if (v < min) throw new InvalidArgumentError(`${field}: must be at least ${min}, got ${v}`);
  return v;
}

export function checkStringArray(v: unknown, field: string): readonly string[] {
  if (!Array.isArray(v)) throw new InvalidArgumentError(`${field}: must be an array of strings, got ${describeValue(v)}`);
  v.forEach((s, i) => checkString(s, `${field}[${i}]`));
  return v as string[];
}

/** A string→string map, such as annotations or labels; the error names the key. */
export function checkStringMap(v: unknown, field: string): Readonly<Record<string, string>> {
  if (!isObject(v)) throw new InvalidArgumentError(`${field}: must be a map of strings to strings, got ${describeValue(v)}`);
  for (const [key, value] of Object.entries(v)) checkString(value, `${field}[${JSON.stringify(key)}]`);
  return v as Record<string, string>;
}

/**
 * A set in Go's `map[string]struct{}` serialization: keys mapped to `{}`
 * (ExposedPorts, Volumes). `checkKey` validates each key.
 */
export function checkObjectSet(
  v: unknown, field: string, checkKey: (key: string, field: string) => void,
): Readonly<Record<string, object>> {
  const set = checkObject(v, field);
  for (const [key, value] of Object.entries(set)) {
    const keyField = `${field}[${JSON.stringify(key)}]`;
    checkKey(key, keyField);
    checkObject(value, keyField);
  }
  return set as Record<string, object>;
}

// RFC 3339 section 5.6 date-time; the date and time ranges are checked below.
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:[Zz]|[+-](\d{2}):(\d{2}))$/;

/** Whether `s` is an RFC 3339 date-time, such as `2024-05-01T12:00:00.123456789Z`. */
export function isRfc3339(s: string): boolean {
  const m = RFC3339.exec(s);
  if (!m) return false;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const isLeap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const daysInMonth = month === 2 ? (isLeap ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;
  const offsetOk = m[7] === undefined || (Number(m[7]) <= 23 && Number(m[8]) <= 59);
  // Second 60 is a leap second, which RFC 3339 allows.
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth && hour <= 23 && minute <= 59 && second <= 60 && offsetOk;
}

// RFC 4648 section 4: the standard alphabet, padded.
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export const isBase64 = (s: string): boolean => BASE64.test(s);

// fatal: invalid UTF-8 is an error, not U+FFFD. ignoreBOM: keep a BOM so JSON.parse refuses it, as Go does.
const UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * Decode `bytes` as a UTF-8 JSON document (RFC 8259) that must be an object;
 * `field` names the document in errors (`manifest: not valid JSON …`).
 */
export function parseJsonObject(bytes: Uint8Array, field: string): Record<string, unknown> {
  let text: string;
  try {
    text = UTF8.decode(bytes);
  } catch (cause) {
    throw new InvalidArgumentError(`${field}: not valid UTF-8`, { cause, hint: "JSON documents must be encoded as UTF-8" });
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (cause) {
    throw new InvalidArgumentError(`${field}: not valid JSON (${(cause as Error).message})`, { cause });
  }
  if (!isObject(doc)) throw new InvalidArgumentError(`${field}: must be a JSON object, got ${describeValue(doc)}`);
  return doc;
}
