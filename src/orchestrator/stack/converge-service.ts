import type { RunImage } from "../../runtime/index.js";
import type { UpdateConfig } from "../compose/index.js";
import { RolloutFailedError } from "../rollout/errors.js";
import type { ReplicaChange } from "../rollout/rollout-batch.js";
import { applyLeftovers } from "../rollout/rollout-leftovers.js";
import { rolloutRevision } from "../rollout/rollout-revision.js";
import { rolloutService, type RolloutOptions, type RolloutResult } from "../rollout/rollout-service.js";
import type { RevisionLog, RolloutRecord } from "../rollout/service-revision.js";
import { observeStack, replicasOf, type ObservedReplica } from "./observe-stack.js";
import type { ReplicaLifecycle } from "./replica-lifecycle.js";
import { LABEL_PROJECT } from "./stack-labels.js";
import type { PlannedService } from "./stack-plan.js";

/** Options of {@link convergeService}. */
export interface ConvergeOptions {
  /** Stop timeout when the service sets no stop_grace_period. */
  readonly timeoutS?: number;
  /** Restart running replicas that are otherwise left alone (a dependency with `restart: true` changed). */
  readonly restartUnchanged?: boolean;
  /** Recreate replicas whose config and image did not change too (`--force-recreate`): stopped and removed, then made again, their anonymous volumes kept. */
  readonly forceRecreate?: boolean;
  /** The service's update_config, for replicas whose config or image changed (default: berth's, DEFAULT_UPDATE_CONFIG). */
  readonly update?: UpdateConfig;
  /** The service's rollback_config. */
  readonly rollback?: UpdateConfig;
  /** Where revisions are kept: the update is recorded there and a failure rolls back to the revision before it. Without one, there is nothing to roll back to. */
  readonly revisions?: RevisionLog;
  /** See rolloutService. */
  readonly afterReplicaChange?: (change: ReplicaChange) => Promise<void>;
  /** A rolling update's progress, after each change of state (the daemon persists it to finish the rollout after a crash). */
  readonly onRolloutProgress?: (record: RolloutRecord) => void | Promise<void>;
  readonly signal?: AbortSignal;
}

/** Replicas of one service changed at once: as compose does, but bounded, each start runs runc, conmon and netavark. */
const PARALLEL = 8;

/**
 * Bring one service to its plan, as `docker compose up` does: replica
 * numbers 1…replicas that are missing are created and started; one that
 * exists unchanged but is not running is started; replicas numbered above
 * the count, and extra containers holding a number twice, are removed
 * first (after what an interrupted rolling update left is repaired: see
 * planLeftovers). Up to 8 of these change at once; events come in the
 * order the changes end. Replicas whose config hash or image changed then
 * go through a rolling update (rolloutService, with `update`: batches,
 * order, health gate; with `revisions`, rolloutRevision, which records the
 * revision and rolls back to the one before on failure). A replica already
 * right is not touched, so a second `up` does nothing. Returns the number
 * of replicas acted on. The first failure is thrown once the replicas
 * under way have finished; a rolling update that does not complete throws
 * RolloutFailedError (state rolled-back, paused or failed).
 */
export async function convergeService(lc: ReplicaLifecycle, service: PlannedService, observed: readonly ObservedReplica[], image: RunImage, opts: ConvergeOptions = {}): Promise<number> {
  const timeoutS = service.stopTimeoutS ?? opts.timeoutS;
  const project = service.replicaSpecs[0]?.options.labels?.[LABEL_PROJECT] ?? observed.find((r) => r.service === service.name)?.project;
  if (project !== undefined && (await applyLeftovers(lc, service, observed.filter((r) => r.service === service.name), opts.timeoutS))) {
    observed = await observeStack(lc.runtime, project);
  }
  const byNumber = replicasOf(observed, service.name);
  const surplus = [...byNumber.entries()]
    .flatMap(([n, rs]) => (n > service.replicas ? rs : rs.slice(1)))
    .sort((a, b) => b.number - a.number);
  let acted = await inParallel(surplus, async (r) => {
    await lc.remove(service.name, r, timeoutS);
    return true;
  });
  const changed: number[] = [];
  acted += await inParallel(service.replicaSpecs, async (spec) => {
    const r = byNumber.get(spec.number)?.[0];
    if (r === undefined) {
      await lc.create(service, spec, image);
    } else if (r.configHash !== service.configHash || r.summary.record.imageId !== image.id) {
      changed.push(spec.number);
      return false;
    } else if (opts.forceRecreate) {
      await lc.replace(service, r, spec, image, timeoutS, "recreate", `recreated ${spec.name}: --force-recreate`);
    } else if (r.summary.state.status === "running" || r.summary.state.status === "restarting") {
      if (!opts.restartUnchanged) return false;
      await lc.stop(service.name, r, timeoutS);
      await lc.start(service.name, r);
    } else {
      await lc.start(service.name, r);
    }
    return true;
  });
  if (changed.length === 0 || project === undefined) return acted;
  const result = await rollChanged(lc, project, service, image, changed.sort((a, b) => a - b), opts);
  if (result.state !== "completed") throw new RolloutFailedError(project, service.name, result.state, result.detail);
  return acted + result.updated;
}

function rollChanged(lc: ReplicaLifecycle, project: string, service: PlannedService, image: RunImage, only: readonly number[], opts: ConvergeOptions): Promise<RolloutResult> {
  const rollout: RolloutOptions = {
    runtime: lc.runtime, project, target: service, targetImage: image, only, emit: lc.emit,
    ...(opts.update && { update: opts.update }),
    ...(opts.rollback && { rollback: opts.rollback }),
    ...(opts.timeoutS !== undefined && { timeoutS: opts.timeoutS }),
    ...(opts.afterReplicaChange && { afterReplicaChange: opts.afterReplicaChange }),
    ...(opts.onRolloutProgress && { onProgress: opts.onRolloutProgress }),
    ...(opts.signal && { signal: opts.signal }),
  };
  return opts.revisions ? rolloutRevision({ ...rollout, log: opts.revisions }) : rolloutService(rollout);
}

/** Run `fn` on every item, at most PARALLEL at once; how many returned true. Throws the first error after all have settled. */
async function inParallel<T>(items: readonly T[], fn: (item: T) => Promise<boolean>): Promise<number> {
  let next = 0;
  let count = 0;
  const errors: unknown[] = [];
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++]!;
      try {
        if (await fn(item)) count++;
      } catch (e) {
        errors.push(e);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL, items.length) }, worker));
  if (errors.length > 0) throw errors[0];
  return count;
}
