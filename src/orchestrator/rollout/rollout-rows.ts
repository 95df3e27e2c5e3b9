import type { RolloutRecord, ServiceRevision } from "./service-revision.js";

/** One line of `berth rollout history SERVICE`. */
export interface RevisionRow {
  readonly revision: string;
  readonly status: string;
  readonly created: string;
  /** `reference (first 12 of the image id)`. */
  readonly image: string;
  /** The first 12 of the config hash. */
  readonly config: string;
  readonly replicas: string;
}

/** Column titles of {@link revisionHistoryRows}, in order. */
export const REVISION_COLUMNS = ["REVISION", "STATUS", "CREATED", "IMAGE", "CONFIG", "REPLICAS"] as const;

/** The rows of `berth rollout history` (pure): newest revision first, whatever order `revisions` is in. */
export function revisionHistoryRows(revisions: readonly ServiceRevision[]): RevisionRow[] {
  return [...revisions].sort((a, b) => b.revision - a.revision).map((r) => ({
    revision: String(r.revision),
    status: r.status,
    created: r.created,
    image: `${r.image} (${shortId(r.imageId)})`,
    config: r.configHash.slice(0, 12),
    replicas: String(r.plan.replicas),
  }));
}

/** One line of `berth rollout status`. */
export interface RolloutStatusRow {
  readonly service: string;
  readonly state: string;
  /** `2 → 3`, or `→ 1` for a first revision. */
  readonly revisions: string;
  readonly detail: string;
  /** Since it started, when it is unfinished; how long it took, when it is not (`12s`, `3m4s`). */
  readonly elapsed: string;
  readonly updated: string;
}

/** Column titles of {@link rolloutStatusRows}, in order. */
export const ROLLOUT_COLUMNS = ["SERVICE", "STATE", "REVISIONS", "DETAIL", "ELAPSED", "UPDATED"] as const;

/** The rows of `berth rollout status` (pure): one per record, by service name. `now` in ms since the epoch. */
export function rolloutStatusRows(records: readonly RolloutRecord[], now: number = Date.now()): RolloutStatusRow[] {
  return [...records].sort((a, b) => a.service.localeCompare(b.service)).map((r) => {
    const unfinished = r.state === "updating" || r.state === "rolling-back";
    const ms = (unfinished ? now : Date.parse(r.updated)) - Date.parse(r.started);
    return {
      service: r.service,
      state: r.state,
      revisions: `${r.from ?? ""} → ${r.to}`.trimStart(),
      detail: r.detail,
      elapsed: formatElapsed(ms),
      updated: r.updated,
    };
  });
}

/** `850ms`, `12s`, `3m4s`, `1h2m`; `-` for a time that is not a number or negative (a clock set back). */
export function formatElapsed(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return "-";
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${s % 60}s`;
  return `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m`;
}

const shortId = (id: string): string => id.replace(/^sha256:/, "").slice(0, 12);
