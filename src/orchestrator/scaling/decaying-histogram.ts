import { checkNumber } from "./errors.js";

/**
 * Exponentially growing buckets: bucket 0 is [0, first), and each next bucket
 * is `ratio` times wider than the one before, up to the bucket that holds
 * `maxValue` (larger values land there too). Relative error stays near
 * `ratio − 1` once values are well above `first`, so 100 millicores and
 * 64 cores are both measured to about 6 % with a couple of hundred buckets.
 */
export interface BucketScale {
  readonly first: number;
  readonly ratio: number;
  readonly maxValue: number;
}

// The VPA starts at 10 millicores and 10 MB; berth's containers are smaller, and with those first buckets a bucket
// near 100 millicores or 100 MiB is 15 % wide. Starting at 1 millicore and 1 MiB keeps that near 6 % (~220 buckets).
/** CPU in cores: 1 millicore first bucket, up to 1000 cores, each bucket 5 % wider than the one before. */
export const CPU_SCALE: BucketScale = { first: 0.001, ratio: 1.05, maxValue: 1000 };
/** Memory in bytes: 1 MiB first bucket, up to 1 TB, each bucket 5 % wider than the one before. */
export const MEMORY_SCALE: BucketScale = { first: 1024 * 1024, ratio: 1.05, maxValue: 1e12 };

// Weights this small count as nothing: decayed-away history must not decide a percentile.
const EPSILON = 1e-10;
// Past 2^MAX_EXPONENT the weights are scaled back down: a histogram fed for years never overflows.
const MAX_EXPONENT = 100;

/**
 * A histogram of weighted values whose old samples count less: a sample's
 * weight is multiplied by 2^((time − reference) / halfLife), so a sample one
 * half-life older than another counts half as much. Percentiles are read from
 * the relative weights only, so the reference time is arbitrary; it moves
 * forward (and every weight shrinks) when the factor grows too large.
 *
 * Values below 0 or not finite, weights not above 0, and times not finite
 * are ignored: the histogram never holds a NaN.
 */
export class DecayingHistogram {
  private readonly weights = new Map<number, number>();
  private total = 0;
  private reference: number | undefined;
  readonly buckets: number;

  constructor(readonly scale: BucketScale, readonly halfLifeMs: number) {
    checkNumber("histogram first bucket", scale.first, Number.MIN_VALUE, Number.MAX_VALUE);
    checkNumber("histogram ratio", scale.ratio, 1.0001, 10);
    checkNumber("histogram max value", scale.maxValue, scale.first, Number.MAX_VALUE);
    checkNumber("half-life (ms)", halfLifeMs, 1, Number.MAX_SAFE_INTEGER);
    this.buckets = rawBucket(scale, scale.maxValue) + 1;
  }

  /** The bucket `value` falls into: 0 … buckets − 1. */
  bucketOf(value: number): number {
    let b = Math.max(0, Math.min(this.buckets - 1, rawBucket(this.scale, value)));
    // The logarithm can land one bucket off at an exact boundary; the starts decide.
    if (b + 1 < this.buckets && this.bucketStart(b + 1) <= value) b++;
    else if (b > 0 && this.bucketStart(b) > value) b--;
    return b;
  }

  /** Where bucket `b` starts: first × (ratio^b − 1) / (ratio − 1). */
  bucketStart(b: number): number {
    const { first, ratio } = this.scale;
    return b <= 0 ? 0 : (first * (ratio ** b - 1)) / (ratio - 1);
  }

  /** Add `value` with `weight` (1 by default), as measured at `timeMs`. */
  add(value: number, timeMs: number, weight = 1): void {
    if (!Number.isFinite(value) || value < 0 || !Number.isFinite(timeMs) || !(weight > 0) || !Number.isFinite(weight)) return;
    this.reference ??= timeMs;
    let exponent = (timeMs - this.reference) / this.halfLifeMs;
    if (exponent > MAX_EXPONENT) {
      this.shiftReference(timeMs);
      exponent = 0;
    }
    this.addWeight(this.bucketOf(value), weight * 2 ** exponent);
  }

  /** Add every bucket of `other` (same scale and half-life), decayed to this histogram's reference. */
  merge(other: DecayingHistogram): void {
    if (other.scale.first !== this.scale.first || other.scale.ratio !== this.scale.ratio || other.buckets !== this.buckets || other.halfLifeMs !== this.halfLifeMs) {
      throw new RangeError("merge: histograms of different scales or half-lives");
    }
    if (other.reference === undefined) return;
    this.reference ??= other.reference;
    if ((other.reference - this.reference) / this.halfLifeMs > MAX_EXPONENT) this.shiftReference(other.reference);
    const factor = 2 ** ((other.reference - this.reference) / this.halfLifeMs);
    for (const [b, w] of other.weights) this.addWeight(b, w * factor);
  }

  /** True when no weight is left worth counting. */
  get isEmpty(): boolean {
    return this.total < EPSILON;
  }

  /** Sum of the (decayed) weights, relative to the current reference. */
  get totalWeight(): number {
    return this.total;
  }

  /**
   * The value below which fraction `p` (0 … 1) of the weight lies, read as the
   * END of the bucket that reaches it (so the answer never understates use);
   * the last bucket, which has no end, answers its start. 0 when empty.
   */
  percentile(p: number): number {
    if (this.isEmpty) return 0;
    const threshold = Math.min(1, Math.max(0, p)) * this.total;
    const used = [...this.weights.keys()].sort((a, b) => a - b);
    let sum = 0;
    let bucket = used[used.length - 1] ?? 0;
    for (const b of used) {
      sum += this.weights.get(b) ?? 0;
      if (sum >= threshold - EPSILON * this.total) {
        bucket = b;
        break;
      }
    }
    return bucket < this.buckets - 1 ? this.bucketStart(bucket + 1) : this.bucketStart(bucket);
  }

  private addWeight(bucket: number, weight: number): void {
    this.weights.set(bucket, (this.weights.get(bucket) ?? 0) + weight);
    this.total += weight;
  }

  private shiftReference(to: number): void {
    const factor = 2 ** (((this.reference ?? to) - to) / this.halfLifeMs);
    this.total = 0;
    for (const [b, w] of this.weights) {
      const scaled = w * factor;
      if (scaled < EPSILON) this.weights.delete(b);
      else {
        this.weights.set(b, scaled);
        this.total += scaled;
      }
    }
    this.reference = to;
  }
}

/** log_ratio(value × (ratio − 1) / first + 1), floored; unclamped. */
function rawBucket(scale: BucketScale, value: number): number {
  if (!(value > 0)) return 0;
  const b = Math.floor(Math.log((value * (scale.ratio - 1)) / scale.first + 1) / Math.log(scale.ratio));
  return Number.isFinite(b) ? b : Number.MAX_SAFE_INTEGER;
}
