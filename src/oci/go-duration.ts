/**
 * Go's time.Duration as text, which docker uses for every duration a user
 * types about health checks: HEALTHCHECK's --interval, --timeout,
 * --start-period and --start-interval, and `run`'s --health-* flags. The
 * image config keeps them as nanoseconds (config.Healthcheck), so they live
 * here, below every layer that reads or writes them.
 */

const UNIT_NS: Readonly<Record<string, number>> = {
  ns: 1,
  us: 1e3,
  "µs": 1e3, // U+00B5 micro sign
  "μs": 1e3, // U+03BC Greek mu
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

const PART = /^(\d*)(?:\.(\d*))?([^\d.]+)/;

/**
 * Go's time.ParseDuration: a sequence of decimal numbers with units (`1h30m`,
 * `1.5s`, `300ms`, `1000000us`), an optional sign, or `0`. The duration in
 * nanoseconds, or undefined when `text` is not a Go
 * duration. Exact up to 2^53 ns (about 104 days); HEALTHCHECK times are far
 * below that.
 */
export function parseGoDuration(text: string): number | undefined {
  let s = text;
  let sign = 1;
  if (s.startsWith("-") || s.startsWith("+")) {
    sign = s.startsWith("-") ? -1 : 1;
    s = s.slice(1);
  }
  if (s === "0") return 0;
  if (s === "") return undefined;
  let total = 0;
  while (s !== "") {
    const m = PART.exec(s);
    if (!m) return undefined;
    const [all, whole = "", fraction = "", unit = ""] = m;
    if (whole === "" && fraction === "") return undefined;
    const unitNs = UNIT_NS[unit];
    if (unitNs === undefined) return undefined;
    total += Number(whole || "0") * unitNs + (fraction === "" ? 0 : Number(`0.${fraction}`) * unitNs);
    s = s.slice(all.length);
  }
  return sign * Math.round(total);
}

/**
 * Go's Duration.String for `ns` nanoseconds (rounded to whole ones): `0s`,
 * `500ms`, `1.5µs`, `30s`, `1m30s`, `1h0m0s`. docker prints durations this
 * way in messages (a health check's "exceeded timeout (500ms)").
 */
export function formatGoDuration(ns: number): string {
  const sign = ns < 0 ? "-" : "";
  let rest = Math.abs(Math.round(ns));
  if (rest === 0) return "0s";
  if (rest < 1e3) return `${sign}${rest}ns`;
  if (rest < 1e6) return `${sign}${decimal(rest, 3)}µs`;
  if (rest < 1e9) return `${sign}${decimal(rest, 6)}ms`;
  const h = Math.floor(rest / 3600e9);
  rest -= h * 3600e9;
  const m = Math.floor(rest / 60e9);
  rest -= m * 60e9;
  // Go writes the minutes whenever there are hours: 1h0m5s.
  return `${sign}${h > 0 ? `${h}h` : ""}${h > 0 || m > 0 ? `${m}m` : ""}${decimal(rest, 9)}s`;
}

/** `value / 10^digits` without float noise, trailing zeros of the fraction dropped (Go's fmtFrac). */
function decimal(value: number, digits: number): string {
  const unit = 10 ** digits;
  const whole = Math.floor(value / unit);
  const fraction = String(value - whole * unit).padStart(digits, "0").replace(/0+$/, "");
  return fraction === "" ? String(whole) : `${whole}.${fraction}`;
}
