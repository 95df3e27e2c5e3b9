import type { PlannedService } from "../stack/stack-plan.js";

/** A service's limits as its replicas run with them (`deploy.resources.limits`); absent: unlimited. */
export interface CurrentLimits {
  /** CPU cores (`cpus: "1.5"` → 1.5). */
  readonly cpus?: number;
  readonly memoryBytes?: number;
}

/** The limits replica 1 of `service` is planned with (every replica of a service has the same). */
export function currentLimits(service: PlannedService): CurrentLimits {
  const options = service.replicaSpecs[0]?.options;
  return {
    ...(options?.cpus !== undefined && { cpus: options.cpus }),
    ...(options?.memory !== undefined && { memoryBytes: options.memory }),
  };
}

/**
 * What the recommender makes of one resource (CPU in cores, memory in
 * bytes). `lowerBound ≤ target ≤ upperBound`; every value is at least the
 * resource's minimum. The bounds widen when little history is known (the
 * VPA's confidence multipliers) and narrow as it grows.
 */
export interface ResourceEstimate {
  /** Median use plus margin, pulled down while history is short. */
  readonly lowerBound: number;
  /** The right-size percentile of use plus margin (before rounding). */
  readonly target: number;
  /** The 95th percentile plus margin, pushed up while history is short: above it, a limit is likely wasted. */
  readonly upperBound: number;
  /** The 95th percentile of use, without margin: a limit below it throttles (CPU) or OOM-kills (memory) often. */
  readonly p95: number;
  /** Suggested request (reservation): the target, rounded up (1 millicore, 1 MiB). */
  readonly request: number;
  /** Suggested limit: CPU the 99th percentile, memory the highest peak, plus margin; never below the request. */
  readonly limit: number;
}

/**
 * - `not-enough-data`: too little history to give numbers;
 * - `under-provisioned`: a limit below the 95th percentile of use;
 * - `over-provisioned`: a limit above 4× the upper bound;
 * - `no-limit`: a resource without a limit (and nothing worse);
 * - `ok`: limits within the bounds.
 */
export type RecommendationVerdict = "not-enough-data" | "under-provisioned" | "over-provisioned" | "no-limit" | "ok";

/** The recommender's answer for one service. */
export interface ServiceRecommendation {
  readonly project: string;
  readonly service: string;
  /** CPU samples in the window. */
  readonly samples: number;
  /** From the first sample in the window to now. */
  readonly historyMs: number;
  /** History in days, as the VPA counts it: min(history, one minute per sample). */
  readonly confidence: number;
  /** Absent when there is not enough data. */
  readonly cpu?: ResourceEstimate;
  readonly memory?: ResourceEstimate;
  readonly current: CurrentLimits;
  readonly verdict: RecommendationVerdict;
  /** One line: why the verdict (what is too low or too high), or what data is missing. */
  readonly note: string;
}
