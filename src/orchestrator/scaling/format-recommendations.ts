import type { CurrentLimits, RecommendationVerdict, ResourceEstimate, ServiceRecommendation } from "./recommendation.js";
import { formatBytes, formatCores } from "./resource-units.js";

/** The columns of `berth recommend`. */
export const RECOMMEND_COLUMNS = ["SERVICE", "CPU REQUEST", "CPU LIMIT", "MEMORY REQUEST", "MEMORY LIMIT", "CURRENT", "NOTE"] as const;

/** One resource in `berth recommend --format json`: cores for CPU, bytes for memory. */
export interface ResourceJson {
  readonly request: number;
  readonly limit: number;
  readonly lowerBound: number;
  readonly target: number;
  readonly upperBound: number;
  readonly p95: number;
  /** The limit set now; null when unlimited. */
  readonly current: number | null;
}

/** One service in `berth recommend --format json`. */
export interface RecommendationJson {
  readonly project: string;
  readonly service: string;
  readonly verdict: RecommendationVerdict;
  readonly note: string;
  readonly samples: number;
  readonly historySeconds: number;
  readonly confidenceDays: number;
  /** null when there is not enough data. */
  readonly cpu: ResourceJson | null;
  readonly memory: ResourceJson | null;
}

/** What `berth recommend` prints: a table (header + rows of cells) and the JSON form. */
export interface FormattedRecommendations {
  readonly header: readonly string[];
  readonly rows: string[][];
  readonly json: RecommendationJson[];
}

/**
 * The table and JSON of `berth recommend`, one row per recommendation in the
 * order given. CPU in cores as compose's `cpus:` reads them (`0.25`), memory
 * in binary units as its `memory:` reads them (`160MiB`), `-` where there is
 * nothing (not enough data, no limit). Pure.
 */
export function formatRecommendations(recs: readonly ServiceRecommendation[]): FormattedRecommendations {
  const rows = recs.map((r) => [
    r.service,
    r.cpu === undefined ? "-" : formatCores(r.cpu.request),
    r.cpu === undefined ? "-" : formatCores(r.cpu.limit),
    r.memory === undefined ? "-" : formatBytes(r.memory.request),
    r.memory === undefined ? "-" : formatBytes(r.memory.limit),
    formatCurrent(r.current),
    r.note,
  ]);
  return { header: RECOMMEND_COLUMNS, rows, json: recs.map(toJson) };
}

/** `cpus 1, memory 512MiB`, or `-` when unlimited. */
export function formatCurrent(limits: CurrentLimits): string {
  const parts = [
    ...(limits.cpus === undefined ? [] : [`cpus ${formatCores(limits.cpus)}`]),
    ...(limits.memoryBytes === undefined ? [] : [`memory ${formatBytes(limits.memoryBytes)}`]),
  ];
  return parts.length === 0 ? "-" : parts.join(", ");
}

function toJson(r: ServiceRecommendation): RecommendationJson {
  const resource = (e: ResourceEstimate | undefined, current: number | undefined): ResourceJson | null =>
    e === undefined ? null : { request: e.request, limit: e.limit, lowerBound: e.lowerBound, target: e.target, upperBound: e.upperBound, p95: e.p95, current: current ?? null };
  return {
    project: r.project,
    service: r.service,
    verdict: r.verdict,
    note: r.note,
    samples: r.samples,
    historySeconds: Math.round(r.historyMs / 1000),
    confidenceDays: r.confidence,
    cpu: resource(r.cpu, r.current.cpus),
    memory: resource(r.memory, r.current.memoryBytes),
  };
}
