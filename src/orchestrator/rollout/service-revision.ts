import type { PlannedService } from "../stack/stack-plan.js";

/**
 * One version of a service's desired state: what its replicas ran, or run.
 * A rollout makes the target revision current; a rollback or `rollout undo`
 * makes an older one current again. JSON-serialisable as is (the daemon
 * keeps them in SQLite). Defined here, shared with the state store.
 */
export interface ServiceRevision {
  readonly project: string;
  readonly service: string;
  /** 1, 2, 3… per service, never reused. */
  readonly revision: number;
  /** PlannedService.configHash. */
  readonly configHash: string;
  /** The image reference the plan names. */
  readonly image: string;
  /** The config digest `image` resolved to when the revision was recorded. */
  readonly imageId: string;
  readonly plan: PlannedService;
  /** ISO 8601. */
  readonly created: string;
  readonly status: RevisionStatus;
}

/**
 * `current`: what the replicas should run; `previous`: what ran before it
 * (where `rollout undo` goes); `failed`: a revision rolled back; `superseded`:
 * any older one.
 */
export type RevisionStatus = "current" | "previous" | "failed" | "superseded";

/**
 * The revisions of every service, newest first. At most one is `current`
 * and one `previous` per service. Implementations: MemoryRevisionLog (tests,
 * an engine without a daemon) and the daemon's SQLite store.
 *
 * Status changes, the same in every implementation:
 * - `record`: the new revision becomes current, the old current previous,
 *   the old previous superseded (failed ones stay failed);
 * - `restore(n)`: n becomes current; the old current becomes previous (if
 *   it is not n), the old previous superseded (if it is not n);
 * - `markFailed(n)`: n becomes failed (a rollback calls `restore` first, so
 *   a failed revision is never current).
 * `restore` and `markFailed` throw RevisionNotFoundError for a revision the
 * log does not hold.
 */
export interface RevisionLog {
  current(project: string, service: string): ServiceRevision | undefined;
  /** Newest first. */
  list(project: string, service: string): ServiceRevision[];
  record(rev: Omit<ServiceRevision, "revision" | "created" | "status">): ServiceRevision;
  markFailed(project: string, service: string, revision: number): void;
  restore(project: string, service: string, revision: number): ServiceRevision;
}

/** Where a rollout stands; the first two are unfinished (a restarted daemon resumes them). */
export type RolloutState = "updating" | "rolling-back" | "completed" | "rolled-back" | "failed" | "paused";

/**
 * A rollout's progress, reported after every change of state or batch so
 * that a restarted daemon finishes it or rolls it back: one per service,
 * the latest.
 */
export interface RolloutRecord {
  readonly project: string;
  readonly service: string;
  /** Revisions: what the replicas ran before (undefined: unknown or none), and the target. */
  readonly from: number | undefined;
  readonly to: number;
  readonly state: RolloutState;
  /** Human-readable: progress ("2/3 replicas updated") or why it stopped. */
  readonly detail: string;
  /** ISO 8601. */
  readonly started: string;
  readonly updated: string;
}

/** Whether a rollout in this state still has work to do. */
export const isUnfinished = (state: RolloutState): boolean => state === "updating" || state === "rolling-back";
