import type { RunImage } from "../../runtime/index.js";
import { replicasOf, type ObservedReplica } from "./observe-stack.js";
import { nameOf, type ReplicaLifecycle } from "./replica-lifecycle.js";
import type { PlannedService } from "./stack-plan.js";

/** Options of {@link convergeService}. */
export interface ConvergeOptions {
  /** Stop timeout when the service sets no stop_grace_period. */
  readonly timeoutS?: number;
  /** Restart running replicas that are otherwise left alone (a dependency with `restart: true` changed). */
  readonly restartUnchanged?: boolean;
}

/** Replicas of one service changed at once: as compose does, but bounded, each start runs runc, conmon and netavark. */
const PARALLEL = 8;

/**
 * Bring one service to its plan, as `docker compose up` does: replica
 * numbers 1…replicas that are missing are created and started; a replica
 * whose config hash or image changed is recreated (stopped and removed,
 * then made anew: stop-first, rolling updates come with the daemon); one
 * that exists unchanged but is not running is started; replicas numbered
 * above the count, and extra containers holding a number twice, are
 * removed first. Up to 8 replicas change at once; events come in the order
 * the changes end. A replica already right is not touched, so a second
 * `up` does nothing. Returns the number of replicas acted on. The first
 * failure is thrown once the replicas under way have finished.
 */
export async function convergeService(lc: ReplicaLifecycle, service: PlannedService, observed: readonly ObservedReplica[], image: RunImage, opts: ConvergeOptions = {}): Promise<number> {
  const timeoutS = service.stopTimeoutS ?? opts.timeoutS;
  const byNumber = replicasOf(observed, service.name);
  const surplus = [...byNumber.entries()]
    .flatMap(([n, rs]) => (n > service.replicas ? rs : rs.slice(1)))
    .sort((a, b) => b.number - a.number);
  let acted = await inParallel(surplus, async (r) => {
    await lc.remove(service.name, r, timeoutS);
    return true;
  });
  acted += await inParallel(service.replicaSpecs, async (spec) => {
    const r = byNumber.get(spec.number)?.[0];
    if (r === undefined) {
      await lc.create(service, spec, image);
    } else if (r.configHash !== service.configHash || r.summary.record.imageId !== image.id) {
      const why = r.configHash !== service.configHash ? "its configuration changed" : "its image changed";
      await lc.remove(service.name, r, timeoutS, true);
      await lc.create(service, spec, image, "recreate", `recreated ${nameOf(r)}: ${why}`);
    } else if (r.summary.state.status === "running" || r.summary.state.status === "restarting") {
      if (!opts.restartUnchanged) return false;
      await lc.stop(service.name, r, timeoutS);
      await lc.start(service.name, r);
    } else {
      await lc.start(service.name, r);
    }
    return true;
  });
  return acted;
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
