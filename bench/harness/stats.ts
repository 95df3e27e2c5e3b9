/** Median of the values; the mean of the two middle ones for an even count. Throws on an empty list. */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error("median: no values");
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/**
 * The p-th percentile (0 < p ≤ 100) by nearest rank: the smallest value with at least p% of the
 * values at or below it, so p99 of 2,000 samples is the 1,980th smallest. Throws on an empty list.
 */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new Error("percentile: no values");
  if (!(p > 0 && p <= 100)) throw new Error(`percentile: p must be in (0, 100], got ${p}`);
  const s = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * s.length);
  return s[Math.max(0, rank - 1)]!;
}

/** (max − min) / median: how far apart the runs of one row landed, 0.1 = 10%. */
export function spread(values: readonly number[]): number {
  if (values.length < 2) return 0;
  const m = median(values);
  return m === 0 ? 0 : (Math.max(...values) - Math.min(...values)) / m;
}
