import type { RestartPolicy, RunImage } from "../../runtime/index.js";
import { judgeDependency } from "./dependency-gate.js";
import { currentReplicas, replicasOf, type ObservedReplica } from "./observe-stack.js";
import { nameOf, replacementsOf, type ReplicaLifecycle } from "./replica-lifecycle.js";
import type { Emit } from "./stack-event.js";
import type { PlannedService, StackPlan } from "./stack-plan.js";

/** What one reconcile pass did. */
export interface ReconcileResult {
  /** Replicas replaced, started or removed. */
  readonly actions: number;
  /** Replicas left for a later pass because a dependency's condition is not met now. */
  readonly blocked: readonly string[];
  /** The replicas as the pass found them: still what exists when `actions` is 0. */
  readonly observed?: readonly ObservedReplica[];
}

/** What reconcile needs besides the plan and what exists. */
export interface ReconcileContext {
  readonly lifecycle: ReplicaLifecycle;
  readonly emit: Emit;
  /** The service's image, found or pulled (built when missing) only when a replica must be made. */
  readonly imageFor: (service: PlannedService) => Promise<RunImage>;
  readonly timeoutS?: number;
  /** The clock (tests). */
  readonly now?: () => number;
}

/** A replica that lived at least this long before it ended starts its slot's backoff over. */
export const BACKOFF_RESET_MS = 60_000;
const BACKOFF_BASE_MS = 500;
const BACKOFF_MAX_MS = 60_000;

/**
 * How long to wait yet before replacing `r`: nothing for a replica that
 * lived a minute or more (a crash after a good run is replaced at once: a
 * `kill -9` must be healed fast), else 0.5 s, 1 s, 2 s … up to a minute,
 * doubling with each quick replacement of the slot (its replacements
 * label), counted from when it ended (or, still running but unhealthy, from
 * when it was made). The state is the labels and times of the containers,
 * so a restarted daemon backs off the same way.
 */
export function backoffLeftMs(r: ObservedReplica, now: number): number {
  const n = replacementsOf(r);
  if (n === 0) return 0;
  const created = Date.parse(r.summary.record.created);
  const ended = Date.parse(r.summary.state.finishedAt ?? "") || now;
  if (ended - created >= BACKOFF_RESET_MS) return 0;
  const delay = Math.min(BACKOFF_BASE_MS * 2 ** (n - 1), BACKOFF_MAX_MS);
  const since = r.summary.state.status === "running" ? created : ended;
  return Math.max(0, since + delay - now);
}

/**
 * Why replica `r` of `service` must be replaced now, or undefined: it is
 * gone; it exited and its restart policy wants it back (`always` and
 * `unless-stopped` unless a user stopped it; `on-failure` after a non-zero
 * exit, at most N times); or it runs unhealthy (berth replaces unhealthy
 * replicas; docker does not). A replica never started is only started.
 */
export function replaceReason(policy: RestartPolicy, r: ObservedReplica | undefined): string | "start" | undefined {
  if (r === undefined) return "it is gone";
  const s = r.summary.state;
  if (s.status === "created") return s.startedAt === undefined ? "start" : undefined;
  if (s.status === "running") return r.summary.health?.status === "unhealthy" ? "it is unhealthy" : undefined;
  if (s.status !== "exited") return undefined;
  // A replica a user stopped (`berth stop`, `kill`) stays stopped, as docker leaves such a container, until the next `up` starts it:
  // whatever the policy, its exit code (143, 137) is the user's doing, not a failure.
  if (s.stoppedByUser) return undefined;
  const why = `it exited with code ${s.exitCode ?? "unknown"}`;
  switch (policy.name) {
    case "always":
    case "unless-stopped":
      return why;
    case "on-failure":
      if ((s.exitCode ?? 1) === 0) return undefined;
      return policy.maximumRetryCount === 0 || replacementsOf(r) < policy.maximumRetryCount ? why : undefined;
    default:
      return undefined;
  }
}

/**
 * One pass of the reconcile loop over a stack: replicas that are gone,
 * exited (per their restart policy) or unhealthy are replaced by a new
 * container of the same name and number; surplus replicas are removed.
 * Replicas are found by their labels first, and a replica's slot is only
 * ever filled by removing what holds it, so a pass never makes two
 * containers for one replica. A replica whose service depends on one that
 * is not ready now is left (event `blocked`), not waited for: the next pass
 * tries again. Configuration changes are `up`'s work, not this.
 */
export async function reconcileOnce(plan: StackPlan, observed: readonly ObservedReplica[], ctx: ReconcileContext): Promise<ReconcileResult> {
  let actions = 0;
  const blocked: string[] = [];
  for (const service of plan.services) {
    const byNumber = replicasOf(observed, service.name);
    const surplus = [...byNumber.entries()].flatMap(([n, rs]) => (n > service.replicas ? rs : rs.slice(1)));
    for (const r of surplus.sort((a, b) => b.number - a.number)) {
      await ctx.lifecycle.remove(service.name, r, service.stopTimeoutS ?? ctx.timeoutS);
      actions++;
    }
    for (const spec of service.replicaSpecs) {
      const r = byNumber.get(spec.number)?.[0];
      const reason = replaceReason(service.restart, r);
      if (reason === undefined) continue;
      const wait = reason === "start" || r === undefined ? 0 : backoffLeftMs(r, ctx.now?.() ?? Date.now());
      if (wait > 0) {
        blocked.push(spec.name);
        ctx.emit(service.name, "wait", `${nameOf(r!)} not replaced yet (${reason}): backing off, ${Math.ceil(wait / 1000)} s left after ${replacementsOf(r!)} quick replacements`, spec.name);
        continue;
      }
      const waiting = unmetDependency(plan, service, observed);
      if (waiting !== undefined) {
        blocked.push(spec.name);
        ctx.emit(service.name, "blocked", `${spec.name} not ${reason === "start" ? "started" : "replaced"}: ${waiting}`, spec.name);
        continue;
      }
      if (reason === "start" && r !== undefined) {
        await ctx.lifecycle.start(service.name, r);
      } else {
        const image = await ctx.imageFor(service);
        // The replacement mounts the anonymous volumes of the one it replaces: a crash must not cost a database its data.
        if (r === undefined) await ctx.lifecycle.create(service, spec, image, "replace", `replaced ${spec.name}: ${reason}`);
        else await ctx.lifecycle.replace(service, r, spec, image, service.stopTimeoutS ?? ctx.timeoutS, "replace", `replaced ${nameOf(r)}: ${reason}`, replacementsOf(r) + 1);
      }
      actions++;
    }
  }
  return { actions, blocked, observed };
}

/** The first required dependency whose condition does not hold now, described; undefined when all hold. */
function unmetDependency(plan: StackPlan, service: PlannedService, observed: readonly ObservedReplica[]): string | undefined {
  for (const [name, dep] of Object.entries(service.dependsOn)) {
    if (!dep.required) continue;
    const desired = plan.services.find((s) => s.name === name)?.replicas ?? 0;
    const g = judgeDependency(dep, currentReplicas(observed, name, desired), desired);
    if (g.state !== "met") return `${name} (${dep.condition}): ${g.detail}`;
  }
  return undefined;
}
