import { isReady, isUp, type ObservedReplica } from "../stack/observe-stack.js";
import type { PlannedService } from "../stack/stack-plan.js";

/** What a start-first update calls the old container while its successor starts: `<name>-old-<first 12 of its id>`. */
export const oldName = (replicaName: string, id: string): string => `${replicaName}-old-${id.slice(0, 12)}`;

/** Whether `name` is what {@link oldName} makes of `replicaName`. */
export const isOldName = (name: string | undefined, replicaName: string): boolean =>
  name !== undefined && name.startsWith(`${replicaName}-old-`) && /^[0-9a-f]{12}$/.test(name.slice(replicaName.length + 5));

/** A fix for what an interrupted start-first update left behind: remove a container, or give one its replica's name back. */
export type LeftoverAction =
  | { readonly action: "remove"; readonly number: number; readonly container: ObservedReplica; readonly why: string }
  | { readonly action: "rename"; readonly number: number; readonly container: ObservedReplica; readonly to: string; readonly why: string };

const nameOf = (r: ObservedReplica): string => r.summary.record.name ?? r.summary.record.id.slice(0, 12);

/**
 * What to clean up before a rollout of `service`, from its containers as
 * they are (pure). Per replica number, when an `-old-` container is there:
 * - the replica's name is held by a container that is ready → the old ones
 *   are removed (the update of that replica had finished but for this);
 * - it is held by one that is not ready → that one is removed and the old
 *   one gets the name back (the update is undone; the rollout redoes it);
 * - nobody holds the name → the old one gets it back.
 * When several old ones are there, a running one (else the newest) is the
 * one kept. Numbers above the service's count are not looked at (surplus
 * is the reconcile pass's work).
 */
export function planLeftovers(service: PlannedService, replicas: readonly ObservedReplica[]): LeftoverAction[] {
  const out: LeftoverAction[] = [];
  for (const spec of service.replicaSpecs) {
    const mine = replicas.filter((r) => r.service === service.name && r.number === spec.number);
    const olds = mine.filter((r) => isOldName(r.summary.record.name, spec.name));
    if (olds.length === 0) continue;
    const named = mine.find((r) => r.summary.record.name === spec.name);
    if (named !== undefined && isReady(named)) {
      for (const o of olds) out.push({ action: "remove", number: spec.number, container: o, why: `${spec.name} was updated; ${nameOf(o)} is what it replaced` });
      continue;
    }
    const keep = [...olds].sort((a, b) => Number(isUp(b)) - Number(isUp(a)) || b.summary.record.created.localeCompare(a.summary.record.created))[0]!;
    if (named !== undefined) out.push({ action: "remove", number: spec.number, container: named, why: `the update of ${spec.name} did not finish: its new container is not ready` });
    for (const o of olds) if (o !== keep) out.push({ action: "remove", number: spec.number, container: o, why: `a second old container of ${spec.name}` });
    out.push({ action: "rename", number: spec.number, container: keep, to: spec.name, why: `the update of ${spec.name} did not finish: the old container takes its name back` });
  }
  return out;
}

/** One replica's part in a rollout: make a new container for it, or only wait until the one it has (already at the target) is ready. */
export interface RolloutStep {
  readonly number: number;
  readonly action: "update" | "await";
}

/** Which replicas a rollout changes, in which batches, and which it leaves because they already run the target. */
export interface RolloutPlan {
  /** Replica numbers already at the target and ready. */
  readonly skip: readonly number[];
  readonly batches: readonly (readonly RolloutStep[])[];
}

/** Options of {@link planRollout}. */
export interface PlanRolloutOptions {
  /** Replicas per batch; 0 = all at once (as swarm's update_config.parallelism). */
  readonly parallelism: number;
  /** Only these replica numbers (the others are left as they are). */
  readonly only?: readonly number[];
}

/** The container holding replica `number`'s name, else the oldest other one of that number that is not an `-old-` one. */
export function primaryReplica(service: PlannedService, replicas: readonly ObservedReplica[], number: number): ObservedReplica | undefined {
  const spec = service.replicaSpecs.find((s) => s.number === number);
  const mine = replicas.filter((r) => r.service === service.name && r.number === number && !(spec && isOldName(r.summary.record.name, spec.name)));
  return mine.find((r) => spec !== undefined && r.summary.record.name === spec.name) ?? mine[0];
}

/** Whether `r` runs `service`'s configuration on image `imageId`. */
export const atTarget = (service: PlannedService, imageId: string, r: ObservedReplica): boolean =>
  r.configHash === service.configHash && r.summary.record.imageId === imageId;

/**
 * The rollout of `service` (its replicas 1…n) onto image `imageId`, from
 * its containers after {@link planLeftovers} has been applied (pure): a
 * replica at the target and ready is skipped, so planning again after a
 * crash plans only what is left; one at the target that is running but
 * not yet ready (in its health check's start) is awaited, not remade;
 * every other is updated. Awaited replicas come first, then replicas that
 * are missing or down (nothing to keep serving there), then by number;
 * batches hold `parallelism` steps.
 */
export function planRollout(service: PlannedService, imageId: string, replicas: readonly ObservedReplica[], opts: PlanRolloutOptions): RolloutPlan {
  const skip: number[] = [];
  const steps: (RolloutStep & { rank: number })[] = [];
  for (const spec of service.replicaSpecs) {
    if (opts.only !== undefined && !opts.only.includes(spec.number)) continue;
    const r = primaryReplica(service, replicas, spec.number);
    if (r !== undefined && atTarget(service, imageId, r) && isReady(r)) skip.push(spec.number);
    else if (r !== undefined && atTarget(service, imageId, r) && r.summary.state.status === "running" && r.summary.health?.status !== "unhealthy") steps.push({ number: spec.number, action: "await", rank: 0 });
    else steps.push({ number: spec.number, action: "update", rank: r === undefined || !isUp(r) ? 1 : 2 });
  }
  steps.sort((a, b) => a.rank - b.rank || a.number - b.number);
  const size = opts.parallelism > 0 ? opts.parallelism : Math.max(1, steps.length);
  const batches: RolloutStep[][] = [];
  for (let i = 0; i < steps.length; i += size) batches.push(steps.slice(i, i + size).map(({ number, action }) => ({ number, action })));
  return { skip, batches };
}
