import { setTimeout as sleep } from "node:timers/promises";
import type { ContainerRuntime, RunImage } from "../../runtime/index.js";
import { DEFAULT_ROLLBACK_CONFIG, DEFAULT_UPDATE_CONFIG } from "../compose/deploy-schema.js";
import type { UpdateConfig } from "../compose/index.js";
import { observeStack, type ObservedReplica } from "../stack/observe-stack.js";
import { ReplicaLifecycle } from "../stack/replica-lifecycle.js";
import { emitterFor, type Emit, type StackEventSink } from "../stack/stack-event.js";
import type { PlannedService } from "../stack/stack-plan.js";
import { runBatch, type ReplicaChange } from "./rollout-batch.js";
import { applyLeftovers } from "./rollout-leftovers.js";
import { planRollout } from "./rollout-plan.js";
import type { RolloutRecord, RolloutState } from "./service-revision.js";

/** What a rollback returns to: a plan and the image it ran. */
export interface RollbackTarget {
  readonly plan: PlannedService;
  readonly image: RunImage;
  /** Its revision, for events and the record. */
  readonly revision?: number;
}

/** Options of {@link rolloutService}. */
export interface RolloutOptions {
  readonly runtime: ContainerRuntime;
  readonly project: string;
  /** The service as it should be; its replicaSpecs say which replicas there are. */
  readonly target: PlannedService;
  readonly targetImage: RunImage;
  /** The service's update_config (default: berth's, see DEFAULT_UPDATE_CONFIG). */
  readonly update?: UpdateConfig;
  /** The service's rollback_config (default DEFAULT_ROLLBACK_CONFIG). */
  readonly rollback?: UpdateConfig;
  /** Where `failure_action: rollback` goes; asked only when a rollback happens. Undefined (or resolving to undefined): nothing to go back to. */
  readonly rollbackTo?: () => Promise<RollbackTarget | undefined>;
  /** Called when a rollback begins, before any replica is touched (the revision log makes the old revision current there). */
  readonly onRollback?: () => void | Promise<void>;
  /** Revision numbers for the records (default: from unknown, to 0). */
  readonly revisions?: { readonly from?: number; readonly to: number };
  /** Only these replica numbers (convergeService: the changed ones). */
  readonly only?: readonly number[];
  /** Events (StackEvent), as the stack engine reports them. */
  readonly onEvent?: StackEventSink;
  /** After every change of state or batch; the daemon persists it. Awaited. */
  readonly onProgress?: (record: RolloutRecord) => void | Promise<void>;
  /** See ReplicaChange: the daemon re-syncs its load balancer here. Awaited. */
  readonly afterReplicaChange?: (change: ReplicaChange) => Promise<void>;
  readonly signal?: AbortSignal;
  /** Stop timeout (s) when the service sets no stop_grace_period. */
  readonly timeoutS?: number;
  /** Pause between taking a replica out of rotation and stopping it (default 1000 ms with afterReplicaChange, else 0: nothing routes to it but DNS). */
  readonly drainMs?: number;
  /** Pause between looks at new replicas (default 250 ms). */
  readonly pollMs?: number;
  /** Added to a health check's own time to a verdict (default 10 000 ms). */
  readonly readyMarginMs?: number;
  /** Internal: the stack engine's emitter, instead of onEvent. */
  readonly emit?: Emit;
}

/** How a rollout ended. */
export interface RolloutResult {
  readonly state: Exclude<RolloutState, "updating" | "rolling-back">;
  readonly detail: string;
  /** Replicas made or awaited on the target (the rollback's own not counted). */
  readonly updated: number;
  /** Replicas that failed the gate, with why: `name: why`. */
  readonly failures: readonly string[];
  readonly record: RolloutRecord;
}

/** What one pass over the batches did. */
interface PassResult {
  readonly done: number;
  readonly total: number;
  readonly failures: string[];
  /** Set when the failure ratio was passed and the failure action stopped the pass. */
  readonly stopped: boolean;
}

/**
 * Roll the replicas of one service onto `target` running `targetImage`,
 * as a swarm service update does (update_config):
 *
 * 1. What an interrupted rollout left is repaired first (planLeftovers:
 *    an `-old-` container removed or given its name back).
 * 2. Replicas at the target and ready are skipped, so running it again
 *    after a crash or an abort finishes the job.
 * 3. The others go in batches of `parallelism` (0: all), `delay` apart,
 *    `order` stop-first or start-first (see runBatch); each new replica
 *    must be ready within its health check's bound and stay so for
 *    `monitor`.
 * 4. When failures pass `max_failure_ratio` (of the replicas to update),
 *    `failure_action` says: `rollback` (every replica to `rollbackTo()`
 *    with rollback_config; "rolled-back", or "failed" when that fails or
 *    there is nothing to go back to), `pause` (stop here: "paused"),
 *    `continue` (go on; "completed" with the failures listed).
 *
 * Replica numbers above the target's count are left alone (surplus is the
 * reconcile pass's). Progress goes to `onProgress`, events to `onEvent`.
 * Aborting throws the signal's reason between steps and leaves the rest
 * for the next call. Throws the runtime's errors other than those of one
 * replica's start or health, which count as that replica's failure.
 */
export async function rolloutService(opts: RolloutOptions): Promise<RolloutResult> {
  const emit = opts.emit ?? emitterFor(opts.project, opts.onEvent);
  const lc = new ReplicaLifecycle(opts.runtime, emit);
  const update = opts.update ?? DEFAULT_UPDATE_CONFIG;
  const name = opts.target.name;
  const started = new Date().toISOString();
  const progress = async (state: RolloutState, detail: string): Promise<RolloutRecord> => {
    const record: RolloutRecord = { project: opts.project, service: name, from: opts.revisions?.from, to: opts.revisions?.to ?? 0, state, detail, started, updated: new Date().toISOString() };
    await opts.onProgress?.(record);
    return record;
  };
  const end = async (state: RolloutResult["state"], detail: string, updated: number, failures: readonly string[]): Promise<RolloutResult> =>
    ({ state, detail, updated, failures, record: await progress(state, detail) });

  await progress("updating", "planning");
  const report = (state: RolloutState) => async (detail: string): Promise<void> => void (await progress(state, detail));
  const pass = await runPass(opts, lc, { target: opts.target, image: opts.targetImage, config: update, action: "recreate", only: opts.only, report: report("updating") });
  const failures = pass.failures;
  if (!pass.stopped) {
    const detail = pass.total === 0 ? `all replicas already run revision ${opts.revisions?.to ?? "target"}`
      : `${pass.done}/${pass.total} replicas updated${failures.length > 0 ? `; failed: ${failures.join("; ")}` : ""}`;
    // No event for a rollout that went well: each replica's own event tells it (and `up` reports exactly those).
    if (failures.length > 0) emit(name, "update", `updated ${name} with failures (failure_action: continue): ${detail}`);
    return end("completed", detail, pass.done, failures);
  }
  const why = `${failures.length} of ${pass.total} replicas failed (${failures.join("; ")})`;
  if (update.failureAction === "pause") {
    emit(name, "update", `paused the update of ${name}: ${why}`);
    return end("paused", `paused after ${pass.done}/${pass.total} replicas: ${why}`, pass.done, failures);
  }
  let cannot = "there is no previous revision to roll back to";
  const back = await opts.rollbackTo?.().catch((e: unknown) => {
    cannot = `its previous revision cannot be had: ${e instanceof Error ? e.message : String(e)}`;
    return undefined;
  });
  if (back === undefined) {
    emit(name, "update", `the update of ${name} failed and ${cannot}: ${why}`);
    return end("failed", `${why}; ${cannot}: ${pass.done} replicas run the new configuration, the others the old`, pass.done, failures);
  }
  await opts.onRollback?.();
  const to = back.revision !== undefined ? `revision ${back.revision}` : "the previous revision";
  emit(name, "rollback", `rolling back ${name} to ${to}: ${why}`);
  await progress("rolling-back", `rolling back to ${to}: ${why}`);
  const rollback = opts.rollback ?? DEFAULT_ROLLBACK_CONFIG;
  const undo = await runPass(opts, lc, { target: back.plan, image: back.image, config: rollback, action: "rollback", reason: `rolled back to ${to}`, only: opts.only, report: report("rolling-back") });
  if (undo.stopped) {
    emit(name, "rollback", `the rollback of ${name} failed too: ${undo.failures.join("; ")}`);
    return end("failed", `${why}; the rollback to ${to} failed too: ${undo.failures.join("; ")}`, pass.done, failures);
  }
  emit(name, "rollback", `rolled back ${name} to ${to}`);
  return end("rolled-back", `rolled back to ${to}: ${why}`, pass.done, failures);
}

interface PassSpec {
  readonly target: PlannedService;
  readonly image: RunImage;
  readonly config: UpdateConfig;
  readonly action: "recreate" | "rollback";
  readonly reason?: string;
  readonly only: readonly number[] | undefined;
  /** Progress within the pass, as the record's detail. */
  readonly report: (detail: string) => Promise<void>;
}

/** Leftovers, plan, batches with delay and the failure ratio: one direction of a rollout. */
async function runPass(opts: RolloutOptions, lc: ReplicaLifecycle, p: PassSpec): Promise<PassResult> {
  const observe = async (): Promise<ObservedReplica[]> => (await observeStack(opts.runtime, opts.project)).filter((r) => r.service === p.target.name);
  let observed = await observe();
  if (await applyLeftovers(lc, p.target, observed, opts.timeoutS)) observed = await observe();
  const plan = planRollout(p.target, p.image.id, observed, { parallelism: p.config.parallelism, ...(p.only && { only: p.only }) });
  const total = plan.batches.reduce((n, b) => n + b.length, 0);
  const failures: string[] = [];
  let done = 0;
  for (const [i, batch] of plan.batches.entries()) {
    opts.signal?.throwIfAborted();
    if (i > 0 && p.config.delayMs > 0) await sleep(p.config.delayMs, undefined, opts.signal ? { signal: opts.signal } : {});
    const outcomes = await runBatch({
      lc, project: opts.project, target: p.target, image: p.image, config: p.config, action: p.action,
      reason: (r) => p.reason ?? (r === undefined ? "it was missing" : r.configHash !== p.target.configHash ? "its configuration changed" : "its image changed"),
      timeoutS: opts.timeoutS, drainMs: opts.drainMs ?? (opts.afterReplicaChange ? 1000 : 0),
      ...(opts.pollMs !== undefined && { pollMs: opts.pollMs }),
      ...(opts.readyMarginMs !== undefined && { readyMarginMs: opts.readyMarginMs }),
      changed: opts.afterReplicaChange ?? (async () => undefined),
      ...(opts.signal && { signal: opts.signal }),
    }, batch, i === 0 ? observed : await observe());
    for (const o of outcomes) if (o.why === undefined) done++; else failures.push(`${o.name}: ${o.why}`);
    const verb = p.action === "rollback" ? "rolled back" : "updated";
    await p.report(`${done}/${total} replicas ${verb}${failures.length ? `, ${failures.length} failed` : ""}`);
    if (p.config.failureAction !== "continue" && failures.length / total > p.config.maxFailureRatio) return { done, total, failures, stopped: true };
  }
  return { done, total, failures, stopped: false };
}
