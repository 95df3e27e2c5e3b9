import type { CurrentLimits, RecommendationVerdict, ResourceEstimate, ServiceRecommendation } from "./recommendation.js";
import { formatBytes, formatCores } from "./resource-units.js";

/** A limit this many times the upper bound of use is called wasteful. */
export const OVER_PROVISION_FACTOR = 4;

/** What one limit looks like next to its estimate. */
export interface LimitFinding {
  readonly resource: "cpu" | "memory";
  /** `under`: below the 95th percentile of use; `over`: above 4× the upper bound; `none`: no limit set. */
  readonly kind: "under" | "over" | "none";
  readonly limit?: number;
  readonly estimate: ResourceEstimate;
}

/**
 * The findings for a service's limits, CPU first; a limit within the bounds
 * gives none. Pure: no estimate (not enough data) → no finding for it.
 */
export function limitFindings(limits: CurrentLimits, cpu: ResourceEstimate | undefined, memory: ResourceEstimate | undefined): LimitFinding[] {
  const out: LimitFinding[] = [];
  const judge = (resource: "cpu" | "memory", limit: number | undefined, estimate: ResourceEstimate | undefined): void => {
    if (estimate === undefined) return;
    if (limit === undefined) out.push({ resource, kind: "none", estimate });
    else if (limit < estimate.p95) out.push({ resource, kind: "under", limit, estimate });
    else if (limit > OVER_PROVISION_FACTOR * estimate.upperBound) out.push({ resource, kind: "over", limit, estimate });
  };
  judge("cpu", limits.cpus, cpu);
  judge("memory", limits.memoryBytes, memory);
  return out;
}

/** The verdict and its one-line note from the findings (under beats over beats no limit). */
export function verdictOf(findings: readonly LimitFinding[]): { verdict: RecommendationVerdict; note: string } {
  const verdict: RecommendationVerdict = findings.some((f) => f.kind === "under") ? "under-provisioned"
    : findings.some((f) => f.kind === "over") ? "over-provisioned"
    : findings.length > 0 ? "no-limit" : "ok";
  const parts = findings.map((f) =>
    f.kind === "none" ? `no ${f.resource} limit`
      : f.kind === "under" ? `${f.resource} limit below use (${f.resource === "memory" ? "OOM" : "throttling"} risk)`
      : `${f.resource} limit over ${OVER_PROVISION_FACTOR}× use`);
  return { verdict, note: parts.length === 0 ? "limits fit use" : parts.join("; ") };
}

/**
 * The lines `berth up` prints for a service whose limits are far from what it
 * used: a limit below the 95th percentile of use (memory: OOM kills;
 * CPU: throttling), or above {@link OVER_PROVISION_FACTOR}× the upper bound
 * (wasted). Nothing for a resource without a limit or without enough data.
 * Pure; `limits` are the ones about to be applied (see `currentLimits`).
 */
export function recommendationWarnings(limits: CurrentLimits, rec: ServiceRecommendation): string[] {
  const show = (resource: "cpu" | "memory", n: number): string => (resource === "cpu" ? `${formatCores(n)} cores` : formatBytes(n));
  const lines: string[] = [];
  for (const f of limitFindings(limits, rec.cpu, rec.memory)) {
    if (f.kind === "none" || f.limit === undefined) continue;
    const head = `services.${rec.service}: ${f.resource} limit ${show(f.resource, f.limit)}`;
    if (f.kind === "under") {
      const risk = f.resource === "memory" ? "replicas risk being OOM-killed" : "replicas will be throttled";
      const used = f.resource === "memory" ? "its memory peaks" : "its CPU use";
      lines.push(`${head} is below the 95th percentile of ${used} (${show(f.resource, f.estimate.p95)}): ${risk}; raise it to ${show(f.resource, f.estimate.limit)} (berth recommend)`);
    } else {
      lines.push(`${head} is over ${OVER_PROVISION_FACTOR}× the upper bound of its use (${show(f.resource, f.estimate.upperBound)}); ${show(f.resource, f.estimate.limit)} would do (berth recommend)`);
    }
  }
  return lines;
}
