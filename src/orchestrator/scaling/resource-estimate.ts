import type { DecayingHistogram } from "./decaying-histogram.js";
import type { ResourceEstimate } from "./recommendation.js";

// The VPA recommender's confidence multipliers: bounds are (1 + multiplier / confidence)^exponent times the percentile,
// with confidence in days of history. A day of history puts the upper bound at 2× p95; a week at 1.14×.
const UPPER_MULTIPLIER = 1;
const UPPER_EXPONENT = 1;
const LOWER_MULTIPLIER = 0.001;
const LOWER_EXPONENT = -2;
// Below this, confidence (days) is taken as this: the bounds stay finite.
const MIN_CONFIDENCE = 1e-3;

/** How {@link estimateResource} reads a histogram. */
export interface EstimateOptions {
  /** The target's percentile, 0 < p ≤ 100. */
  readonly percentile: number;
  /** The limit's percentile (CPU 99, memory 100: the highest peak). */
  readonly limitPercentile: number;
  /** Added on top of every estimate, in percent. */
  readonly marginPercent: number;
  /** Days of history (see ServiceRecommendation.confidence). */
  readonly confidence: number;
  /** The floor of every value. */
  readonly minimum: number;
  /** Rounds a suggestion up to a unit users write (millicores, MiB). */
  readonly round: (n: number) => number;
}

/**
 * One resource's estimate from its histogram: target at the percentile,
 * lower bound at the median, upper bound at the 95th percentile, each with
 * the margin; the bounds scaled by the confidence multipliers; all floored
 * at the minimum and kept in order (lower ≤ target ≤ upper). Pure.
 */
export function estimateResource(h: DecayingHistogram, o: EstimateOptions): ResourceEstimate {
  const margin = 1 + o.marginPercent / 100;
  const confidence = Math.max(o.confidence, MIN_CONFIDENCE);
  const floor = (n: number): number => Math.max(o.minimum, n);
  const target = floor(h.percentile(o.percentile / 100) * margin);
  const lowerBound = Math.min(target, floor(h.percentile(0.5) * margin * (1 + LOWER_MULTIPLIER / confidence) ** LOWER_EXPONENT));
  const upperBound = Math.max(target, floor(h.percentile(0.95) * margin * (1 + UPPER_MULTIPLIER / confidence) ** UPPER_EXPONENT));
  const request = o.round(target);
  const limit = Math.max(request, o.round(floor(h.percentile(o.limitPercentile / 100) * margin)));
  return { lowerBound, target, upperBound, p95: h.percentile(0.95), request, limit };
}
