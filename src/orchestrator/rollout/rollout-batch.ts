import { setTimeout as sleep } from "node:timers/promises";
import type { RunImage } from "../../runtime/index.js";
import type { UpdateConfig } from "../compose/index.js";
import { isUp, type ObservedReplica } from "../stack/observe-stack.js";
import type { InheritedVolumes } from "../stack/inherited-volumes.js";
import type { ReplicaLifecycle } from "../stack/replica-lifecycle.js";
import type { StackAction } from "../stack/stack-event.js";
import type { PlannedReplica, PlannedService } from "../stack/stack-plan.js";
import { gateReplicas } from "./replica-gate.js";
import { oldName, primaryReplica, type RolloutStep } from "./rollout-plan.js";

/**
 * What changed in a service's set of replicas, for whoever routes traffic
 * to them (the daemon's load balancer): `added` containers are ready to take
 * traffic; `leaving` ones are about to be stopped and must get no new
 * connections from now on; the hook may also wait, bounded, until the
 * connections already open to them have ended (the rollout then pauses
 * `drainMs` more and stops them). Called with both empty after old
 * containers are gone. Container ids.
 */
export interface ReplicaChange {
  readonly service: string;
  readonly added: readonly string[];
  readonly leaving: readonly string[];
}

/** Everything one batch works with. */
export interface BatchContext {
  readonly lc: ReplicaLifecycle;
  readonly project: string;
  readonly target: PlannedService;
  readonly image: RunImage;
  readonly config: UpdateConfig;
  /** The event each new replica is reported as ("recreate" in an update, "rollback" in a rollback). */
  readonly action: StackAction;
  /** Why a replica is remade, for the event: "its configuration changed", "rolled back to revision 3". */
  readonly reason: (current: ObservedReplica | undefined) => string;
  readonly timeoutS: number | undefined;
  /** Pause between taking old replicas out of rotation and stopping them. */
  readonly drainMs: number;
  readonly pollMs?: number;
  readonly readyMarginMs?: number;
  readonly changed: (change: ReplicaChange) => Promise<void>;
  readonly signal?: AbortSignal;
}

/** How one replica's step ended. */
export interface StepOutcome {
  readonly number: number;
  readonly name: string;
  /** Undefined when the replica now runs the target, ready; else why not. */
  readonly why?: string;
}

interface Item {
  readonly step: RolloutStep;
  readonly spec: PlannedReplica;
  readonly current: ObservedReplica | undefined;
  /** The running predecessor kept under its `-old-` name while the new one starts (start-first). */
  old?: ObservedReplica;
  /** The anonymous volumes of `current`, mounted again by the new container. */
  inherited?: InheritedVolumes;
  newId?: string;
  why?: string;
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/**
 * Update the replicas of one batch (see rolloutService for the semantics):
 * stop-first takes the old containers out of rotation, waits `drainMs`,
 * removes them, then creates the new ones; start-first renames each running
 * old container to `<name>-old-<id>`, creates the new one under the
 * replica's name, and removes the old one only once the new one passed the
 * gate (a failed new one is removed and the old one gets its name back, so
 * it never stopped serving). A replica with a fixed host port cannot have
 * two containers at once, nor one with anonymous volumes (the new container
 * mounts the old one's): those are done stop-first. Every new container goes
 * through the health gate. Throws only the signal's reason; what it leaves
 * then is what planLeftovers repairs.
 */
export async function runBatch(ctx: BatchContext, steps: readonly RolloutStep[], observed: readonly ObservedReplica[]): Promise<StepOutcome[]> {
  const items: Item[] = steps.map((step) => ({
    step, spec: ctx.target.replicaSpecs.find((s) => s.number === step.number)!, current: primaryReplica(ctx.target, observed, step.number),
  }));
  // Read before the old containers go: stop-first removes them before the new ones are made.
  for (const i of items) if (i.step.action === "update" && i.current !== undefined) i.inherited = await ctx.lc.anonymousVolumes(i.current);
  // The new container mounts the old one's anonymous volumes: both running would be two processes on one data dir.
  const keepsServing = (i: Item): boolean =>
    ctx.config.order === "start-first" && i.current !== undefined && isUp(i.current) && !fixedHostPort(i.spec) && (i.inherited?.size ?? 0) === 0;
  const stopping = items.filter((i) => i.step.action === "update" && i.current !== undefined && !keepsServing(i)).map((i) => i.current!);
  await takeAway(ctx, stopping.map((r) => r.summary.record.id), stopping.some(isUp));
  ctx.signal?.throwIfAborted();
  await Promise.all(items.map((i) => (i.step.action === "await" ? (i.newId = i.current!.summary.record.id, undefined) : makeNew(ctx, i, keepsServing(i)))));
  const gated = items.filter((i) => i.newId !== undefined && i.why === undefined);
  const verdicts = await gateReplicas(ctx.lc.runtime, ctx.project, gated.map((i) => i.newId!), {
    monitorMs: ctx.config.monitorMs,
    ...(ctx.pollMs !== undefined && { pollMs: ctx.pollMs }),
    ...(ctx.readyMarginMs !== undefined && { marginMs: ctx.readyMarginMs }),
    ...(ctx.signal && { signal: ctx.signal }),
  });
  for (const v of verdicts) if (v.why !== undefined) gated.find((i) => i.newId === v.id)!.why = v.why;
  const passed = items.filter((i) => i.why === undefined);
  if (passed.length > 0) await ctx.changed({ service: ctx.target.name, added: passed.map((i) => i.newId!), leaving: [] });
  const failedWithOld = items.filter((i) => i.why !== undefined && i.old !== undefined);
  const olds = passed.flatMap((i) => (i.old ? [i.old.summary.record.id] : []));
  await takeAway(ctx, [...olds, ...failedWithOld.flatMap((i) => (i.newId !== undefined ? [i.newId] : []))], true);
  await Promise.all(failedWithOld.map((i) => restoreOld(ctx, i)));
  if (passed.some((i) => i.old) || failedWithOld.length > 0) await ctx.changed({ service: ctx.target.name, added: [], leaving: [] });
  return items.map((i) => ({ number: i.step.number, name: i.spec.name, ...(i.why !== undefined && { why: i.why }) }));
}

/**
 * Take containers out of rotation, give their open connections `drainMs`
 * (when any runs), then stop and remove them — quietly: the event of the
 * replica that takes their place tells it.
 */
async function takeAway(ctx: BatchContext, ids: readonly string[], anyUp: boolean): Promise<void> {
  if (ids.length === 0) return;
  await ctx.changed({ service: ctx.target.name, added: [], leaving: ids });
  if (anyUp && ctx.drainMs > 0) await sleep(ctx.drainMs);
  await Promise.all(ids.map((id) => removeById(ctx, id)));
}

/**
 * Stop (its stop grace period, then SIGKILL) and remove a container; one
 * already gone is fine. Its anonymous volumes stay, as when docker compose
 * recreates a container: the new replica mounts them (see makeNew). When
 * that one does not start, the runtime removes it with the volumes it made
 * only: the inherited ones stay (`berth volume ls`; `volume prune` removes
 * them) rather than lose data.
 */
async function removeById(ctx: BatchContext, id: string): Promise<void> {
  const runtime = ctx.lc.runtime;
  const record = await runtime.resolve(id).catch(() => undefined);
  if (record === undefined) return;
  await runtime.stop(record, ctx.target.stopTimeoutS ?? ctx.timeoutS).catch(() => undefined);
  try {
    await runtime.remove(record, { force: true, volumes: false });
  } catch (e) {
    if ((e as { code?: string }).code !== "NOT_FOUND") throw e;
  }
}

/** Create the replica's new container; with `keepOld`, first move the running one aside under its `-old-` name. */
async function makeNew(ctx: BatchContext, i: Item, keepOld: boolean): Promise<void> {
  const runtime = ctx.lc.runtime;
  if (keepOld) {
    const record = await runtime.rename(i.current!.summary.record, oldName(i.spec.name, i.current!.summary.record.id));
    i.old = { ...i.current!, summary: { ...i.current!.summary, record } };
  }
  try {
    const detail = `${ctx.action === "rollback" ? "rolled back" : "recreated"} ${i.spec.name}${keepOld ? " (start-first)" : ""}: ${ctx.reason(i.current)}`;
    const record = await ctx.lc.create(ctx.target, i.spec, ctx.image, i.current === undefined ? "create" : ctx.action, detail, 0, i.inherited);
    i.newId = record.id;
    if (record.imageId !== ctx.image.id) i.why = `${ctx.image.name} now names image ${record.imageId.slice(0, 19)}, not ${ctx.image.id.slice(0, 19)}`;
  } catch (e) {
    i.why = `its new container did not start: ${message(e)}`;
    if (i.old) await restoreOld(ctx, i);
  }
}

/** A failed start-first replica: its new container (if any) is removed and the old one gets the replica's name back. */
async function restoreOld(ctx: BatchContext, i: Item): Promise<void> {
  const runtime = ctx.lc.runtime;
  if (i.newId !== undefined) {
    await removeById(ctx, i.newId);
    ctx.lc.emit(ctx.target.name, "remove", `removed the new ${i.spec.name}: ${i.why}; the old container serves on`, i.spec.name);
    i.newId = undefined;
  }
  const record = await runtime.rename(i.old!.summary.record, i.spec.name);
  i.old = { ...i.old!, summary: { ...i.old!.summary, record } };
}

const fixedHostPort = (spec: PlannedReplica): boolean => (spec.options.publish ?? []).some((p) => p.hostPort !== 0);
