import { chmod, mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import type { ContainerRuntime, NetworkStore, RunImage, VolumeStore } from "../../runtime/index.js";
import type { ComposeProject } from "../compose/index.js";
import type { ReplicaChange } from "../rollout/rollout-batch.js";
import type { RevisionLog, RolloutRecord } from "../rollout/service-revision.js";
import { convergeService } from "./converge-service.js";
import { waitForDependency } from "./dependency-gate.js";
import { currentReplicas, observeStack } from "./observe-stack.js";
import { ReplicaLifecycle } from "./replica-lifecycle.js";
import { ensureServiceImages } from "./service-images.js";
import type { Emit } from "./stack-event.js";
import type { PlannedFile, PlannedService, StackPlan } from "./stack-plan.js";
import { checkExternalResources, ensureNetworks, ensureVolumes } from "./stack-resources.js";

/** Everything one `up` works with. */
export interface StackUpContext {
  readonly runtime: ContainerRuntime;
  readonly networks: NetworkStore;
  readonly volumes: VolumeStore;
  readonly emit: Emit;
  /** Services to converge (the named ones and, unless noDeps, what they depend on), in plan order. */
  readonly selected: readonly PlannedService[];
  readonly noDeps: boolean;
  /** With noDeps: still wait for the conditions of dependencies left alone (a scale is gated as an up is). */
  readonly gateOnUnselected?: boolean;
  readonly build: boolean;
  /**
   * The services whose replicas are recreated though already right
   * (`--force-recreate`): the named ones, every one when none is named; not
   * the dependencies `up SERVICE` pulls in, as docker compose does.
   */
  readonly forceRecreate?: ReadonlySet<string>;
  readonly dependencyTimeoutMs?: number;
  readonly pollMs?: number;
  readonly timeoutS?: number;
  readonly onProgress?: (line: string) => void;
  readonly signal?: AbortSignal;
  /** Called once images, networks, volumes and files are ready, before the first container changes: record the desired state. */
  readonly beforeServices: () => Promise<void>;
  /** Where service revisions are kept (the daemon's state): an update is recorded and rolled back to the last good one on failure. */
  readonly revisions?: RevisionLog;
  /** Called around each replica a rolling update changes (the daemon re-syncs its load balancers). */
  readonly afterReplicaChange?: (change: ReplicaChange) => Promise<void>;
  /** A rolling update's progress (the daemon persists it). */
  readonly onRolloutProgress?: (record: RolloutRecord) => void | Promise<void>;
}

/**
 * `up`'s steps in order: every selected service's image (built or pulled —
 * a failure here leaves nothing made), external networks and volumes checked
 * (the same), the project's networks and volumes made, secret and
 * config files, bind sources; then service by service in dependency order,
 * each one's `depends_on` conditions waited for (bounded) before it
 * converges. A dependency with `restart: true` that changed restarts its
 * dependents. Returns the number of replicas acted on.
 */
export async function stackUp(project: ComposeProject, plan: StackPlan, ctx: StackUpContext): Promise<number> {
  const images = await ensureServiceImages(ctx.runtime.store, ctx.selected, ctx.emit, {
    build: ctx.build, stackDir: plan.stackDir,
    ...(ctx.onProgress && { onProgress: ctx.onProgress }), ...(ctx.signal && { signal: ctx.signal }),
  });
  await checkExternalResources(ctx.networks, ctx.volumes, plan);
  await ensureNetworks(ctx.networks, plan.project, plan.networks, ctx.emit);
  await ensureVolumes(ctx.volumes, plan.project, plan.volumes, ctx.emit);
  await writePlannedFiles(plan.files);
  for (const s of ctx.selected) for (const p of s.hostPaths) await mkdir(p, { recursive: true });
  await ctx.beforeServices();
  const lc = new ReplicaLifecycle(ctx.runtime, ctx.emit);
  const selected = new Set(ctx.selected.map((s) => s.name));
  const changed = new Set<string>();
  let actions = 0;
  for (const service of ctx.selected) {
    await waitForDependencies(plan, service, selected, ctx);
    const observed = await observeStack(ctx.runtime, project.name);
    const restartUnchanged = Object.entries(service.dependsOn).some(([d, dep]) => dep.restart && changed.has(d));
    const deploy = project.services[service.name]?.deploy;
    const n = await convergeService(lc, service, observed, images.get(service.name) as RunImage, {
      ...(ctx.timeoutS !== undefined && { timeoutS: ctx.timeoutS }), restartUnchanged, ...(ctx.forceRecreate?.has(service.name) && { forceRecreate: true }),
      ...(deploy && { update: deploy.updateConfig, rollback: deploy.rollbackConfig }),
      ...(ctx.revisions && { revisions: ctx.revisions }), ...(ctx.afterReplicaChange && { afterReplicaChange: ctx.afterReplicaChange }),
      ...(ctx.onRolloutProgress && { onRolloutProgress: ctx.onRolloutProgress }),
      ...(ctx.signal && { signal: ctx.signal }),
    });
    if (n > 0) changed.add(service.name);
    actions += n;
  }
  return actions;
}

async function waitForDependencies(plan: StackPlan, service: PlannedService, selected: ReadonlySet<string>, ctx: StackUpContext): Promise<void> {
  for (const [name, dep] of Object.entries(service.dependsOn)) {
    if (ctx.noDeps && !selected.has(name) && !ctx.gateOnUnselected) continue;
    const desired = plan.services.find((s) => s.name === name)?.replicas ?? 0;
    try {
      await waitForDependency(service.name, name, dep, desired, async () => currentReplicas(await observeStack(ctx.runtime, plan.project), name, desired), ctx.emit, {
        ...(ctx.dependencyTimeoutMs !== undefined && { timeoutMs: ctx.dependencyTimeoutMs }),
        ...(ctx.pollMs !== undefined && { pollMs: ctx.pollMs }),
        ...(ctx.signal && { signal: ctx.signal }),
      });
    } catch (e) {
      // An optional dependency (required: false) that fails is only worth a warning, as compose says.
      if (dep.required) throw e;
      ctx.emit(service.name, "warning", `optional dependency ${name} not met: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
}

/** Secret and config files from `environment:`/`content:`: 0444 (the container's user may not be root) in a 0700 directory. */
async function writePlannedFiles(files: readonly PlannedFile[]): Promise<void> {
  for (const f of files) {
    await mkdir(dirname(dirname(f.path)), { recursive: true, mode: 0o700 });
    await mkdir(dirname(f.path), { recursive: true, mode: 0o700 });
    await writeFile(f.path, f.content, { mode: 0o444 }).catch(async (e: NodeJS.ErrnoException) => {
      // A file written by an earlier up is read-only: make it writable again, then write.
      if (e.code !== "EACCES") throw e;
      await chmod(f.path, 0o644);
      await writeFile(f.path, f.content, { mode: 0o444 });
    });
    await chmod(f.path, 0o444);
  }
}
