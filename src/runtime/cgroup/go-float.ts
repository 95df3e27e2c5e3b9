/**
 * Go's `fmt` for `%.Nf` and `%.Ng` on float64, so berth prints the numbers
 * `docker stats` prints. JavaScript's toFixed/toPrecision differ from Go in
 * two ways that show: ties round half-up there and half-to-even in Go
 * (12.25 → "12.2" in Go), and `%g` strips trailing zeros and writes the
 * exponent as `e+03` ("1e+03kB" is a real docker output).
 */
export function formatGoFloat(x: number, verb: "f" | "g", precision: number): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? "NaN" : x > 0 ? "+Inf" : "-Inf";
  if (!Number.isInteger(precision) || precision < 0 || precision > 100) throw new RangeError(`precision ${precision}: 0…100`);
  const sign = x < 0 || Object.is(x, -0) ? "-" : "";
  const exact = exactDecimal(Math.abs(x));
  if (verb === "f") return sign + fixed(round(exact, exact.point + precision), precision);
  const p = precision === 0 ? 1 : precision;
  const d = round(exact, p);
  if (d.digits === "") return `${sign}0`;
  const exp = d.point - 1;
  if (exp < -4 || exp >= p) {
    const mantissa = d.digits.length > 1 ? `${d.digits[0]}.${d.digits.slice(1)}` : d.digits;
    const e = Math.abs(exp).toString().padStart(2, "0");
    return `${sign}${mantissa}e${exp < 0 ? "-" : "+"}${e}`;
  }
  return sign + fixed(d, Math.max(d.digits.length - d.point, 0));
}

/** A non-negative decimal: value = 0.digits × 10^point, digits without leading or trailing zeros ("" for 0). */
interface Decimal {
  readonly digits: string;
  readonly point: number;
}

/** The exact decimal value of a non-negative float64 (every binary fraction has a finite decimal one). */
function exactDecimal(x: number): Decimal {
  if (x === 0) return { digits: "", point: 0 };
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const biased = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & ((1n << 52n) - 1n);
  const mantissa = biased === 0 ? fraction : fraction | (1n << 52n);
  const exp2 = (biased === 0 ? 1 : biased) - 1075;
  // m × 2^e = m × 5^-e / 10^-e for e < 0.
  const digits = exp2 >= 0 ? (mantissa << BigInt(exp2)).toString() : (mantissa * 5n ** BigInt(-exp2)).toString();
  const point = exp2 >= 0 ? digits.length : digits.length + exp2;
  return trim({ digits, point });
}

const trim = (d: Decimal): Decimal => {
  const digits = d.digits.replace(/0+$/, "");
  return digits === "" ? { digits: "", point: 0 } : { digits, point: d.point };
};

/** Keep the first `n` digits (n may be ≤ 0), rounding half to even as Go's strconv does. */
function round(d: Decimal, n: number): Decimal {
  if (n >= d.digits.length) return d;
  if (n < 0) return { digits: "", point: 0 };
  const first = d.digits.charCodeAt(n) - 48;
  const isTie = first === 5 && n + 1 === d.digits.length;
  const prevOdd = n > 0 && (d.digits.charCodeAt(n - 1) - 48) % 2 === 1;
  const up = first > 5 || (first === 5 && (!isTie || prevOdd));
  if (!up) return trim({ digits: d.digits.slice(0, n), point: d.point });
  const kept = n === 0 ? 0n : BigInt(d.digits.slice(0, n));
  const bumped = (kept + 1n).toString();
  // 999 + 1 = 1000: one more digit before the point.
  const point = d.point + (bumped.length > n ? 1 : 0);
  return trim({ digits: bumped, point });
}

/** Fixed notation with exactly `decimals` digits after the point. */
function fixed(d: Decimal, decimals: number): string {
  const all = d.point <= 0 ? "0".repeat(-d.point) + d.digits : d.digits.padEnd(d.point, "0");
  const intLen = Math.max(d.point, 0);
  const intPart = all.slice(0, intLen) || "0";
  const frac = all.slice(intLen).padEnd(decimals, "0").slice(0, decimals);
  return decimals > 0 ? `${intPart}.${frac}` : intPart;
}
