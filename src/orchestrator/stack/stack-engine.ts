import { mkdir, readdir } from "node:fs/promises";
import { join } from "node:path";
import { withFileLock } from "../../content/index.js";
import { NetworkStore, type ContainerRuntime, type RunImage, type VolumeStore } from "../../runtime/index.js";
import type { ComposeProject } from "../compose/index.js";
import type { ReplicaChange } from "../rollout/rollout-batch.js";
import type { RevisionLog, RolloutRecord } from "../rollout/service-revision.js";
import { desiredFrom, readDesiredStack, removeStackDir, writeDesiredStack } from "./desired-state.js";
import { StackNotFoundError } from "./errors.js";
import { observedProjects, observeStack } from "./observe-stack.js";
import { planStack } from "./plan-stack.js";
import { reconcileOnce, type ReconcileResult } from "./reconcile-once.js";
import { nameOf, ReplicaLifecycle } from "./replica-lifecycle.js";
import { ensureServiceImages } from "./service-images.js";
import { checkProjectName } from "./service-options.js";
import { emitterFor, type Emit, type StackEventSink } from "./stack-event.js";
import type { PlannedService, StackPlan } from "./stack-plan.js";
import { ensureNetworks, ensureVolumes, removeProjectNetworks, removeProjectVolumes } from "./stack-resources.js";
import { stackStatus, type StackStatus } from "./stack-status.js";
import { selectServices, stopOrder, stopTimeout } from "./stack-order.js";
import { stackUp } from "./stack-up.js";

/** Options of a {@link StackEngine}; each has a default for one berth root. */
export interface StackEngineOptions {
  /** Default: the runtime root's network store (bridges `berth<N>`). */
  readonly networks?: NetworkStore;
  /** Default: the runtime root's volume store. */
  readonly volumes?: VolumeStore;
  /** Desired state and secret files, one directory per project; default `<root>/stacks`. */
  readonly stacksDir?: string;
  /** Longest wait for one `depends_on` condition in `up` (default 300 000 ms). */
  readonly dependencyTimeoutMs?: number;
  /** Pause between looks at a dependency (default 250 ms). */
  readonly pollMs?: number;
  /** Values for `environment:` secrets of a project not made by loadComposeProject (see planStack); default process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Published TCP ports go to a load balancer the caller runs (the daemon), not to each replica (see planStack). */
  readonly balancedPorts?: boolean;
  /** Where service revisions are kept: rolling updates are recorded and roll back to the last good revision on failure (the daemon's SQLite). */
  readonly revisions?: RevisionLog;
  /** Called around each replica a rolling update changes: the daemon takes a replica out of its load balancer before it stops. */
  readonly afterReplicaChange?: (change: ReplicaChange) => Promise<void>;
  /** A rolling update's progress after each change of state (the daemon persists it). */
  readonly onRolloutProgress?: (record: RolloutRecord) => void | Promise<void>;
}

/** Options of {@link StackEngine.up}. */
export interface UpOptions {
  /** Only these services, and what they depend on (compose's `up SERVICE…`). */
  readonly services?: readonly string[];
  /** With `services`: not their dependencies (`--no-deps`). */
  readonly noDeps?: boolean;
  /** With `noDeps`: still wait for their depends_on conditions (the daemon's scale: gated as an up is, without touching the dependencies). */
  readonly gateOnDependencies?: boolean;
  /** `--force-recreate`: recreate the named services' replicas (every service's, none named) even when their config and image did not change; not those of the dependencies they pull in. */
  readonly forceRecreate?: boolean;
  /** `--build`: build images of services with `build:` even when they exist. */
  readonly build?: boolean;
  /** `--scale SVC=N`. */
  readonly scale?: Readonly<Record<string, number>>;
  /**
   * With `services`: the replica counts of the services left out (the
   * daemon's desired state), under `scale`; one not given keeps the
   * replicas it has, none when it never ran.
   */
  readonly keep?: Readonly<Record<string, number>>;
  /** Remove containers of services no longer in the file. */
  readonly removeOrphans?: boolean;
  /** Stop timeout (s) for replicas whose service sets no stop_grace_period. */
  readonly timeoutS?: number;
  readonly onEvent?: StackEventSink;
  /** Build and pull progress lines. */
  readonly onProgress?: (line: string) => void;
  readonly signal?: AbortSignal;
}

/** Options of {@link StackEngine.down}. */
export interface DownOptions {
  /** `-v`: also the project's named volumes (and the replicas' anonymous ones). */
  readonly volumes?: boolean;
  /** Also containers of services no longer in the file (always, when only a name is given). */
  readonly removeOrphans?: boolean;
  readonly timeoutS?: number;
  readonly onEvent?: StackEventSink;
}

/** What {@link StackEngine.down} removed. */
export interface DownResult {
  readonly containers: readonly string[];
  readonly networks: readonly string[];
  readonly volumes: readonly string[];
}

/**
 * Compose stacks on one berth root, with real containers: `up` (make it so),
 * `down` (take it away), `status`, `stop`, and `reconcileOnce` (one pass of
 * the loop the daemon will run). Everything a stack has is found by its
 * labels, so any process — another CLI, a restarted daemon — picks up where
 * the last left off. Operations on one project take turns (a lock file per
 * project), so two never act on one replica at once; every action is
 * reported through `onEvent`.
 */
export class StackEngine {
  readonly networks: NetworkStore;
  readonly volumes: VolumeStore;
  readonly stacksDir: string;

  constructor(readonly runtime: ContainerRuntime, private readonly opts: StackEngineOptions = {}) {
    this.networks = opts.networks ?? new NetworkStore(runtime.ctx.root);
    this.volumes = opts.volumes ?? runtime.ctx.volumes();
    this.stacksDir = opts.stacksDir ?? join(runtime.ctx.root, "stacks");
  }

  /** The project's plan on this engine's root (see planStack). */
  plan(project: ComposeProject, scale?: Readonly<Record<string, number>>): StackPlan {
    return planStack(project, {
      stackDir: this.stackDir(project.name), ...(scale && { scale }), ...(this.opts.env && { env: this.opts.env }), ...(this.opts.balancedPorts && { balancedPorts: true }),
    });
  }

  /**
   * Bring the stack to its plan (see stackUp for the steps). Idempotent: a
   * second `up` of the same files changes nothing. Throws ServiceImageError
   * before anything is made when an image cannot be had;
   * DependencyFailedError when a required `depends_on` condition fails or
   * its bounded wait runs out (services started so far keep running, as in
   * docker compose); the plan's and the runtime's errors.
   */
  async up(project: ComposeProject, opts: UpOptions = {}): Promise<{ plan: StackPlan; actions: number }> {
    const emit = emitterFor(project.name, opts.onEvent);
    const filePlan = this.plan(project, opts.scale);
    const selected0 = selectServices(filePlan, opts.services, opts.noDeps === true);
    return this.locked(project.name, async () => {
      // `up SERVICE`: the services left out keep the replicas they have (none for one never started), so
      // the desired state written below does not make a reconcile pass start what docker compose leaves
      // alone. Counted under the stack's lock: another up or a reconcile pass may be changing them.
      const plan = selected0.length === filePlan.services.length ? filePlan
        : this.plan(project, { ...(await this.replicaCounts(project.name, filePlan.services.filter((s) => !selected0.includes(s)), opts.keep ?? {})), ...opts.scale });
      for (const w of plan.warnings) emit("", "warning", w);
      const selected = selectServices(plan, opts.services, opts.noDeps === true);
      const actions = await stackUp(project, plan, {
        runtime: this.runtime, networks: this.networks, volumes: this.volumes, emit, selected,
        noDeps: opts.noDeps === true, build: opts.build === true, ...(opts.forceRecreate && { forceRecreate: forcedServices(selected, opts.services) }), ...(opts.gateOnDependencies && { gateOnUnselected: true }),
        ...(this.opts.dependencyTimeoutMs !== undefined && { dependencyTimeoutMs: this.opts.dependencyTimeoutMs }),
        ...(this.opts.pollMs !== undefined && { pollMs: this.opts.pollMs }),
        ...(opts.timeoutS !== undefined && { timeoutS: opts.timeoutS }),
        ...(opts.onProgress && { onProgress: opts.onProgress }),
        ...(opts.signal && { signal: opts.signal }),
        ...(this.opts.revisions && { revisions: this.opts.revisions }),
        ...(this.opts.afterReplicaChange && { afterReplicaChange: this.opts.afterReplicaChange }),
        ...(this.opts.onRolloutProgress && { onRolloutProgress: this.opts.onRolloutProgress }),
        beforeServices: () => writeDesiredStack(this.stackDir(project.name), desiredFrom(plan, project.files, project.workingDir)),
      });
      await this.orphans(project, opts.removeOrphans === true, opts.timeoutS, emit);
      return { plan, actions };
    });
  }

  /**
   * Stop and remove the stack's containers (found by label: a project name
   * is enough; with a ComposeProject, containers of services no longer in it
   * stay unless `removeOrphans`), then its networks, with `volumes` its
   * named volumes, and its desired state. Services stop in reverse
   * dependency order, the replicas of one service together. A stack that
   * has nothing left is fine: `down` twice is not an error.
   */
  async down(project: ComposeProject | string, opts: DownOptions = {}): Promise<DownResult> {
    const name = typeof project === "string" ? project : project.name;
    checkProjectName(name);
    const emit = emitterFor(name, opts.onEvent);
    return this.locked(name, async () => {
      const observed = await observeStack(this.runtime, name);
      const known = typeof project === "string" ? undefined : new Set([...Object.keys(project.services), ...project.disabledServices]);
      const targets = known === undefined || opts.removeOrphans ? observed : observed.filter((r) => known.has(r.service));
      const left = observed.filter((r) => !targets.includes(r));
      if (left.length > 0) emit("", "warning", `orphan containers left: ${left.map(nameOf).join(", ")} (services not in the file; --remove-orphans removes them)`);
      const lc = new ReplicaLifecycle(this.runtime, emit);
      for (const group of stopOrder(project, targets)) {
        // Anonymous volumes go with -v only, as in docker compose: without it they stay (dangling) for `volume ls`.
        await Promise.all(group.map((r) => lc.remove(r.service, r, stopTimeout(project, r.service, opts.timeoutS), false, opts.volumes !== true)));
      }
      const networks = await removeProjectNetworks(this.networks, name, emit);
      const volumes = opts.volumes ? await removeProjectVolumes(this.volumes, name, emit) : [];
      await removeStackDir(this.stackDir(name));
      return { containers: targets.map(nameOf), networks, volumes };
    });
  }

  /** Stop every replica (reverse dependency order) and mark the stack stopped, so `reconcileOnce` starts nothing until the next `up`. */
  async stop(project: ComposeProject | string, opts: { timeoutS?: number; onEvent?: StackEventSink } = {}): Promise<void> {
    const name = typeof project === "string" ? project : project.name;
    const emit = emitterFor(name, opts.onEvent);
    await this.locked(name, async () => {
      const desired = await readDesiredStack(this.stackDir(name));
      if (desired !== undefined) await writeDesiredStack(this.stackDir(name), { ...desired, stopped: true, updated: new Date().toISOString() });
      const lc = new ReplicaLifecycle(this.runtime, emit);
      for (const group of stopOrder(project, await observeStack(this.runtime, name))) {
        await Promise.all(group.map((r) => lc.stop(r.service, r, stopTimeout(project, r.service, opts.timeoutS))));
      }
    });
  }

  /** Per service: replicas ready/desired, health, ports, and each replica. StackNotFoundError when berth knows nothing of `project`. */
  async status(project: string): Promise<StackStatus> {
    checkProjectName(project);
    const [observed, desired] = await Promise.all([observeStack(this.runtime, project), readDesiredStack(this.stackDir(project))]);
    if (observed.length === 0 && desired === undefined) throw new StackNotFoundError(project);
    return stackStatus(project, observed, desired);
  }

  /** Projects with containers or a desired state on this root, sorted. */
  async projects(): Promise<string[]> {
    const recorded = (await readdir(this.stacksDir).catch(() => [] as string[])).filter((n) => !n.startsWith("."));
    return [...new Set([...recorded, ...(await observedProjects(this.runtime))])].sort();
  }

  /**
   * One reconcile pass (see reconcileOnce): replace replicas that are gone,
   * exited (per restart policy) or unhealthy. Replica counts are `scale`,
   * else those the last `up` recorded, else the file's. Does nothing for a
   * stack `stop` stopped. Never makes two containers for one replica.
   */
  async reconcileOnce(project: ComposeProject, opts: {
    scale?: Readonly<Record<string, number>>; timeoutS?: number; onEvent?: StackEventSink;
    /** What a service's replicas are made as, when not as the file says (the daemon: the revision a rollback went back to). */
    planFor?: (service: PlannedService) => PlannedService;
  } = {}): Promise<ReconcileResult> {
    const emit = emitterFor(project.name, opts.onEvent);
    return this.locked(project.name, async () => {
      const desired = await readDesiredStack(this.stackDir(project.name));
      if (desired?.stopped) return { actions: 0, blocked: [] };
      const recorded = desired === undefined ? undefined
        : Object.fromEntries(Object.entries(desired.services).filter(([n]) => project.services[n] !== undefined).map(([n, s]) => [n, s.replicas]));
      const filePlan = this.plan(project, opts.scale ?? recorded);
      const plan = opts.planFor === undefined ? filePlan : { ...filePlan, services: filePlan.services.map(opts.planFor) };
      const images = new Map<string, RunImage>();
      let prepared = false;
      const imageFor = async (service: PlannedService): Promise<RunImage> => {
        if (!prepared) {
          // Only when a replica must be made: a network or volume removed behind the stack's back comes back first.
          await ensureNetworks(this.networks, plan.project, plan.networks, emit);
          await ensureVolumes(this.volumes, plan.project, plan.volumes, emit);
          prepared = true;
        }
        if (!images.has(service.name)) images.set(service.name, (await ensureServiceImages(this.runtime.store, [service], emit, { stackDir: plan.stackDir })).get(service.name)!);
        return images.get(service.name)!;
      };
      return reconcileOnce(plan, await observeStack(this.runtime, project.name), {
        lifecycle: new ReplicaLifecycle(this.runtime, emit), emit, imageFor, ...(opts.timeoutS !== undefined && { timeoutS: opts.timeoutS }),
      });
    });
  }

  /** The count `keep` gives each of `services`, else how many replicas it has now (the highest replica number found), 0 for none. */
  private async replicaCounts(project: string, services: readonly PlannedService[], keep: Readonly<Record<string, number>>): Promise<Record<string, number>> {
    const observed = await observeStack(this.runtime, project);
    return Object.fromEntries(services.map((s) => [s.name, keep[s.name] ?? Math.max(0, ...observed.filter((r) => r.service === s.name).map((r) => r.number))]));
  }

  /** `<stacks dir>/<project>`. */
  stackDir(project: string): string {
    return join(this.stacksDir, project);
  }

  private async orphans(project: ComposeProject, remove: boolean, timeoutS: number | undefined, emit: Emit): Promise<void> {
    const known = new Set([...Object.keys(project.services), ...project.disabledServices]);
    const orphans = (await observeStack(this.runtime, project.name)).filter((r) => !known.has(r.service));
    if (orphans.length === 0) return;
    if (!remove) {
      emit("", "warning", `found orphan containers (${orphans.map(nameOf).join(", ")}) for this project; if you removed or renamed their service, run up with --remove-orphans`);
      return;
    }
    const lc = new ReplicaLifecycle(this.runtime, emit);
    for (const r of orphans) await lc.remove(r.service, r, timeoutS);
  }

  private async locked<T>(project: string, fn: () => Promise<T>): Promise<T> {
    await mkdir(this.stacksDir, { recursive: true, mode: 0o700 });
    // Long: the holder may be building images or waiting for a dependency's health.
    return withFileLock(join(this.stacksDir, `.${project}.lock`), fn, { timeoutMs: 15 * 60_000 });
  }
}

/** The services `--force-recreate` makes again: the named ones, every selected one when none is named (docker compose's rule). */
function forcedServices(selected: readonly PlannedService[], named: readonly string[] | undefined): ReadonlySet<string> {
  return new Set(named !== undefined && named.length > 0 ? named : selected.map((s) => s.name));
}
