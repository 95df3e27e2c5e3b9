/**
 * RFC 3339 times as conmon writes them and as `--since` accepts them, kept
 * to the nanosecond (a JavaScript Date holds milliseconds only).
 */

const NS_PER_MS = 1_000_000n;
const NS_PER_S = 1_000_000_000n;
const FULL = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})$/;
const DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Broken-down time fields as written, before any zone is applied. */
export interface TimeFields {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  /** The fraction of a second in nanoseconds. */
  readonly nanos: number;
}

/** True when the fields name a real calendar time (Feb 30 and 24:00 are not). */
export function validFields(f: TimeFields): boolean {
  const leap = f.year % 4 === 0 && (f.year % 100 !== 0 || f.year % 400 === 0);
  const days = f.month === 2 && !leap ? 28 : (DAYS[f.month - 1] ?? 0);
  return f.month >= 1 && f.month <= 12 && f.day >= 1 && f.day <= days && f.hour < 24 && f.minute < 60 && f.second < 60;
}

/** The fraction digits of a time ("5" → 500 000 000 ns). */
export const fractionNanos = (digits: string | undefined): number => (digits === undefined ? 0 : Number(digits.padEnd(9, "0")));

/** Nanoseconds since the epoch of `fields` read in UTC, then moved by `offsetMinutes` east of UTC. */
export function fieldsToNanos(f: TimeFields, offsetMinutes: number): bigint {
  const ms = Date.UTC(f.year, f.month - 1, f.day, f.hour, f.minute, f.second) - offsetMinutes * 60_000;
  return BigInt(ms) * NS_PER_MS + BigInt(f.nanos);
}

/** `+01:30` → 90, `Z` → 0. */
export function zoneOffsetMinutes(zone: string): number {
  if (zone === "Z" || zone === "z") return 0;
  const sign = zone.startsWith("-") ? -1 : 1;
  return sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
}

/**
 * Nanoseconds since the epoch of a full RFC 3339 time with a zone
 * (`2024-05-01T10:00:00.123456789+02:00`), or undefined when `text` is not
 * one. conmon writes local time with its offset; this reads any offset.
 */
export function parseRfc3339Nanos(text: string): bigint | undefined {
  const m = FULL.exec(text);
  if (m === null) return undefined;
  const f: TimeFields = {
    year: Number(m[1]), month: Number(m[2]), day: Number(m[3]),
    hour: Number(m[4]), minute: Number(m[5]), second: Number(m[6]), nanos: fractionNanos(m[7]),
  };
  const zone = m[8] ?? "Z";
  if (!validFields(f) || Math.abs(zoneOffsetMinutes(zone)) >= 24 * 60) return undefined;
  return fieldsToNanos(f, zoneOffsetMinutes(zone));
}

/** Nanoseconds since the epoch of a Date. */
export const dateToNanos = (d: Date): bigint => BigInt(d.getTime()) * NS_PER_MS;

/**
 * docker's `logs -t` format: UTC with all nine fraction digits
 * (`2024-05-01T08:00:00.123456789Z`, Go's RFC3339NanoFixed).
 */
export function formatLogTime(nanos: bigint): string {
  let seconds = nanos / NS_PER_S;
  let frac = nanos % NS_PER_S;
  if (frac < 0n) {
    frac += NS_PER_S;
    seconds -= 1n;
  }
  return `${new Date(Number(seconds) * 1000).toISOString().slice(0, 19)}.${frac.toString().padStart(9, "0")}Z`;
}
