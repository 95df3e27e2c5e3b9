/**
 * Go's time.ParseDuration, which docker uses for HEALTHCHECK's --interval,
 * --timeout, --start-period and --start-interval: a sequence of decimal
 * numbers with units (`1h30m`, `1.5s`, `300ms`), an optional sign, or `0`.
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
 * The duration in nanoseconds, or undefined when `text` is not a Go
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
