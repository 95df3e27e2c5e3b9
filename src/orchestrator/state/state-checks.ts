import { InvalidArgumentError } from "../../oci/index.js";

/**
 * Checks of values before they are stored. The daemon's API validates what
 * users send; these keep a bug or a hostile caller from storing what a later
 * reader would choke on (a NaN, a megabyte name, a revision of -1).
 */

/** Longest name (project, service, container) the store accepts. */
export const MAX_NAME = 255;
/** Longest text field (paths, image references, event details, env values are bounded together by MAX_JSON). */
export const MAX_TEXT = 8192;
/** Longest JSON document stored in one column (a plan, a stack's environment). */
export const MAX_JSON = 4 * 1024 * 1024;

/** A non-empty string of at most {@link MAX_NAME} characters without control characters. */
export function checkName(field: string, value: unknown): string {
  if (typeof value !== "string" || value === "" || value.length > MAX_NAME || /\p{Cc}/u.test(value)) {
    throw new InvalidArgumentError(`${field}: expected a name of 1 to ${MAX_NAME} printable characters, got ${describe(value)}`);
  }
  return value;
}

/** A string of at most `max` characters. */
export function checkText(field: string, value: unknown, max = MAX_TEXT): string {
  if (typeof value !== "string" || value.length > max) {
    throw new InvalidArgumentError(`${field}: expected a string of at most ${max} characters, got ${describe(value)}`);
  }
  return value;
}

/**
 * A string cut to at most `max` characters (ending in "…" when cut): for
 * details the system writes (error messages, health check output), where
 * refusing the record would lose more than the cut does.
 */
export function clipText(field: string, value: unknown, max = MAX_TEXT): string {
  if (typeof value !== "string") throw new InvalidArgumentError(`${field}: expected a string, got ${describe(value)}`);
  return value.length <= max ? value : `${value.slice(0, max - 1)}…`;
}

/** An integer in [min, max]. */
export function checkInteger(field: string, value: unknown, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new InvalidArgumentError(`${field}: expected an integer from ${min} to ${max}, got ${describe(value)}`);
  }
  return value;
}

/** A finite number ≥ 0. */
export function checkAmount(field: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new InvalidArgumentError(`${field}: expected a finite number ≥ 0, got ${describe(value)}`);
  }
  return value;
}

/** An ISO 8601 time that `Date` parses. */
export function checkTime(field: string, value: unknown): string {
  if (typeof value !== "string" || value.length > 64 || Number.isNaN(Date.parse(value))) {
    throw new InvalidArgumentError(`${field}: expected an ISO 8601 time, got ${describe(value)}`);
  }
  return value;
}

/** `value` as JSON of at most {@link MAX_JSON} characters. */
export function toJson(field: string, value: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (err) {
    throw new InvalidArgumentError(`${field}: not serialisable as JSON: ${(err as Error).message}`, { cause: err });
  }
  if (text === undefined) throw new InvalidArgumentError(`${field}: not serialisable as JSON, got ${describe(value)}`);
  if (text.length > MAX_JSON) throw new InvalidArgumentError(`${field}: ${text.length} characters as JSON, at most ${MAX_JSON}`);
  return text;
}

const describe = (value: unknown): string => {
  if (typeof value === "string") return value.length > 60 ? `a string of ${value.length} characters` : JSON.stringify(value);
  if (typeof value === "number") return String(value);
  return value === null ? "null" : typeof value;
};
