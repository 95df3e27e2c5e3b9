import { InvalidLogTimeError } from "./errors.js";
import { fieldsToNanos, fractionNanos, validFields, zoneOffsetMinutes, type TimeFields } from "./rfc3339.js";

const UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, "µs": 1e-3, "μs": 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const DURATION = /^([+-]?)((?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+$/;
const DURATION_PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g;
const UNIX = /^(\d{1,12})(?:\.(\d{1,9}))?$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt](\d{2})(?::(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?)?([Zz]|[+-]\d{2}:\d{2})?$/;

/**
 * Parse a `--since`/`--until` value as docker does (its timetypes package):
 *
 * - a duration before `now` in Go's syntax: `10m`, `1h30m`, `1.5h`, `300ms`
 *   (a leading `-` means after now);
 * - unix seconds, with up to nine fraction digits: `1714557600.5`;
 * - an RFC 3339 time or a prefix of one: `2024-05-01T10:00:00.5Z`,
 *   `2024-05-01T10:00+02:00`, `2024-05-01T10`, `2024-05-01`; without a zone
 *   it is local time.
 *
 * The result has millisecond precision (a Date). Throws InvalidLogTimeError
 * naming `field` for anything else, including impossible dates.
 */
export function parseLogTime(text: string, now: Date = new Date(), field = "since"): Date {
  const value = text.trim();
  if (value !== "0" && DURATION.test(value)) {
    let ms = 0;
    for (const m of value.matchAll(DURATION_PART)) ms += Number(m[1]) * (UNITS[m[2] ?? ""] ?? Number.NaN);
    if (!Number.isFinite(ms)) throw new InvalidLogTimeError(text, field);
    return new Date(now.getTime() - (value.startsWith("-") ? -ms : ms));
  }
  const unix = UNIX.exec(value);
  if (unix !== null) return new Date(Number(unix[1]) * 1000 + Math.floor(fractionNanos(unix[2]) / 1e6));
  const m = DATE_TIME.exec(value);
  if (m === null) throw new InvalidLogTimeError(text, field);
  const f: TimeFields = {
    year: Number(m[1]), month: Number(m[2]), day: Number(m[3]),
    hour: Number(m[4] ?? 0), minute: Number(m[5] ?? 0), second: Number(m[6] ?? 0), nanos: fractionNanos(m[7]),
  };
  if (!validFields(f)) throw new InvalidLogTimeError(text, field);
  const zone = m[8];
  if (zone === undefined) {
    const local = new Date(f.year, f.month - 1, f.day, f.hour, f.minute, f.second, Math.floor(f.nanos / 1e6));
    local.setFullYear(f.year); // years 0–99 would otherwise mean 1900–1999
    return local;
  }
  if (Math.abs(zoneOffsetMinutes(zone)) >= 24 * 60) throw new InvalidLogTimeError(text, field);
  return new Date(Number(fieldsToNanos(f, zoneOffsetMinutes(zone)) / 1_000_000n));
}
