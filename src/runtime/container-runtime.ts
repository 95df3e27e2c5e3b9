import { join } from "node:path";
import type { ImageStore } from "../image/index.js";
import { warmCgroupMigration } from "./cgroup/migration-warmup.js";
import { commandLine, inspectContainer, type ContainerInspect } from "./container-inspect.js";
import { readContainerRecord, type ContainerRecord } from "./container-record.js";
import { readContainerState, withContainerLock, writeContainerState, type ContainerState } from "./container-state.js";
import type { MountedRoot } from "./copy/index.js";
import type { NetworkConnectRequest } from "./connect-container-network.js";
import type { CreateContainerOptions } from "./create-container.js";
import type { ExecOptions } from "./exec-container.js";
import { healthOfRun, readHealthStatus, type HealthStatus } from "./health-status.js";
import { heldAlive, removalAsked } from "./held-start.js";
import type { ContainerNetworkState, PortMapping } from "./network/index.js";
import { shellLauncher } from "./internal/shell-launcher.js";
import { trace } from "./internal/trace.js";
import { isRunning } from "./process-identity.js";
import { OverlayRootfs } from "./rootfs.js";
import { RuntimeContext, type RuntimeContextOptions } from "./runtime-context.js";
import type { RemoveOptions } from "./remove-container.js";
import type { StartOptions } from "./start-container.js";

/** One row of `ps`: a container, its settled state and its health. */
export interface ContainerSummary {
  readonly record: ContainerRecord;
  readonly state: ContainerState;
  readonly health?: HealthStatus;
  readonly command: readonly string[];
  /** The published ports with the host ports its run got, while running; none otherwise, as docker's ps shows. */
  readonly ports: readonly PortMapping[];
  /** Running, but its conmon monitor is gone (killed): output is no longer logged and its exit code will not be known. */
  readonly monitorLost?: boolean;
}

/** What inspect and ps say about a container whose monitor was killed. */
export const MONITOR_LOST = "the container's monitor (conmon) is gone: its output is no longer logged and its exit code will not be known; restart the container to monitor it again";

/** How long past its back-off a `restarting` container is left to its exit hook before another process starts it. */
const STALLED_GRACE_MS = 5_000;

/** The ports the current run publishes: a container that is not running publishes none. */
function livePorts(state: ContainerState): readonly PortMapping[] {
  return state.status === "running" ? ((state.network as ContainerNetworkState | undefined)?.ports ?? []) : [];
}

async function monitorLost(state: ContainerState): Promise<boolean> {
  return state.status === "running" && state.monitor !== undefined && !(await isRunning(state.monitor));
}

/**
 * berth's containers under one root, docker's verbs: create, start, run,
 * stop, kill, rm, wait, exec, ps, inspect. Each container runs under its own
 * conmon monitor and needs no berth process once started; every answer is
 * read from disk and settled against the processes it names, so it is true
 * after any crash. Each verb loads its code when first called: a command
 * pays the start-up cost of the verbs it uses only (`run` does not load the
 * network plugins' code for `--network none`, nor `inspect`'s).
 */
export class ContainerRuntime {
  readonly ctx: RuntimeContext;

  constructor(readonly store: ImageStore, opts: RuntimeContextOptions = {}) {
    this.ctx = new RuntimeContext(store, opts);
  }

  /** The container `ref` names: id, unique id prefix or name. Throws ContainerNotFoundError. */
  resolve(ref: string): Promise<ContainerRecord> {
    return this.ctx.resolve(ref);
  }

  async create(image: string, opts: CreateContainerOptions = {}): Promise<ContainerRecord> {
    const { createContainer } = await import("./create-container.js");
    return createContainer(this.ctx, image, opts);
  }

  async start(ref: string | ContainerRecord, opts: StartOptions = {}): Promise<ContainerState> {
    const { startContainer } = await import("./start-container.js");
    return startContainer(this.ctx, await this.record(ref), opts);
  }

  /**
   * docker run: create, then start. When the start fails (ContainerStartError
   * for a command that cannot run, or any step's error) the container is
   * removed again with the anonymous volumes this run made: bad input leaves
   * nothing behind. Volumes handed in by name stay, anonymous ones too (a
   * replaced stack replica's, with its data), and named volumes, even one
   * this run made, as docker keeps them — unless the start's gate refused it
   * (StartOptions.gate: a run made ahead of a request that never came), which
   * leaves nothing it made.
   */
  async run(image: string, opts: CreateContainerOptions = {}, start: StartOptions = {}): Promise<{ record: ContainerRecord; state: ContainerState }> {
    // runc's cgroup moves come in 10 to 20 ms: their kernel wait starts now (see warmCgroupMigration).
    void warmCgroupMigration();
    // The start's mount goes through this process's launcher: its shell starts up while the image is looked up.
    shellLauncher();
    const [{ createContainerToStart }, { startContainer }] = await Promise.all([import("./create-container.js"), import("./start-container.js")]);
    const { record, rootfs } = await createContainerToStart(this.ctx, image, opts);
    // A start its gate refused was made ahead of a request that never came (StartOptions.gate).
    let refused = false;
    const { gate } = start;
    const gated = gate === undefined ? {} : {
      gate: async () => {
        // A removal asked while the start waits (`rm -f NAME`) need not wait for the request.
        const done = new AbortController();
        try {
          await Promise.race([gate(), removalAsked(this.ctx.dir(record.id), done.signal)]);
        } catch (e) {
          refused = true;
          throw e;
        } finally {
          done.abort();
        }
      },
    };
    try {
      const state = await startContainer(this.ctx, record, { ...start, ...gated, ...(rootfs !== undefined && { rootfs }) });
      trace("run: started");
      return { record, state };
    } catch (e) {
      // A start that failed before it took the early mount: it must be done before the removal undoes it.
      await rootfs?.mounted.catch(() => undefined);
      // Nobody could reach the anonymous volumes this run made but `volume prune`; those handed in stay.
      // Named ones it made stay too (docker keeps them), unless nobody asked for the run at all.
      const undone = await this.remove(record, { force: true, volumes: refused ? "made" : "created", ...(refused ? { undoingHeldStart: true } : {}) }).then(() => true, () => false);
      if (refused && !undone) {
        // Still marked held by this live process, nobody would take it apart (ps waits for the holder to
        // die) and an rm would wait for it: a plain `created` container is left, as after any failed run.
        const dir = this.ctx.dir(record.id);
        await withContainerLock(dir, async () => {
          const s = await readContainerState(dir);
          if (s?.held !== undefined) {
            const { held: _held, ...rest } = s;
            await writeContainerState(dir, rest);
          }
        }).catch(() => undefined);
      }
      throw e;
    }
  }

  async stop(ref: string | ContainerRecord, timeoutS?: number): Promise<number | undefined> {
    const { stopContainer } = await import("./stop-container.js");
    return stopContainer(this.ctx, await this.record(ref), timeoutS);
  }

  /** docker restart: stop (with the timeout), then start. */
  async restart(ref: string | ContainerRecord, timeoutS?: number): Promise<ContainerState> {
    const record = await this.record(ref);
    await this.stop(record, timeoutS);
    return this.start(record);
  }

  async kill(ref: string | ContainerRecord, signal?: string): Promise<void> {
    const { killContainer } = await import("./stop-container.js");
    return killContainer(this.ctx, await this.record(ref), signal);
  }

  /** docker rm (see removeContainer; `volumes: "created"` removes only the anonymous volumes its create made). */
  async remove(ref: string | ContainerRecord, opts: RemoveOptions = {}): Promise<void> {
    const { removeContainer } = await import("./remove-container.js");
    return removeContainer(this.ctx, await this.record(ref), opts);
  }

  /**
   * docker rename: `ref` is called `newName` from now on (see
   * renameContainer: atomic under the container's lock; NameInUseError when
   * another container holds the name). Returns the renamed record.
   */
  async rename(ref: string | ContainerRecord, newName: string): Promise<ContainerRecord> {
    const { renameContainer } = await import("./rename-container.js");
    return renameContainer(this.ctx, await this.record(ref), newName);
  }

  /** docker's `network connect` (connectContainerNetwork): recorded for every start, and joined now when running. */
  async connectNetwork(ref: string | ContainerRecord, request: NetworkConnectRequest): Promise<void> {
    const { connectContainerNetwork } = await import("./connect-container-network.js");
    return connectContainerNetwork(this.ctx, await this.record(ref), request);
  }

  /** docker's `network disconnect` (disconnectContainerNetwork): out of the record, and left now when running. */
  async disconnectNetwork(ref: string | ContainerRecord, network: string): Promise<void> {
    const { disconnectContainerNetwork } = await import("./disconnect-container-network.js");
    return disconnectContainerNetwork(this.ctx, await this.record(ref), network);
  }

  /** `network disconnect -f` (forgetEndpoint): also frees what a container that is gone left on the network. */
  async disconnectNetworkForce(ref: string, network: string): Promise<void> {
    const { forgetEndpoint } = await import("./disconnect-container-network.js");
    return forgetEndpoint(this.ctx, ref, network);
  }

  /**
   * docker wait: the exit code once the container is not running (with
   * `nextExit`, its next exit even when its restart policy starts it
   * again). conmon's exit file appearing ends the wait at once (see runEnded).
   */
  async wait(ref: string | ContainerRecord, opts: { signal?: AbortSignal; nextExit?: boolean } = {}): Promise<number> {
    const [{ waitContainer }, { runEnded }] = await Promise.all([import("./container-status.js"), import("./fast-run/run-ended.js")]);
    const record = await this.record(ref);
    await runEnded(this.ctx, record, opts.signal);
    return waitContainer(this.ctx, record, opts);
  }

  /**
   * Resolves once the container's current run has ended (conmon's exit
   * file, or no process left); settles and removes nothing, so that a
   * foreground run can drain its log before {@link removeExited}.
   */
  async ended(ref: string | ContainerRecord, opts: { signal?: AbortSignal } = {}): Promise<void> {
    const { runEnded } = await import("./fast-run/run-ended.js");
    await runEnded(this.ctx, await this.record(ref), opts.signal);
    trace("run: ended");
  }

  /**
   * The end of a foreground `run --rm`, after {@link ended}: take the
   * container apart in one step (see removeExitedRun: on return it is out
   * of every listing and its name free; its runc state, mount and directory
   * may still be going in the background) and return its exit code.
   */
  async removeExited(ref: string | ContainerRecord): Promise<number> {
    const { removeExitedRun } = await import("./fast-run/remove-exited-run.js");
    const code = await removeExitedRun(this.ctx, await this.record(ref));
    trace("run: removed");
    return code;
  }

  async exec(ref: string | ContainerRecord, cmd: readonly string[], opts: ExecOptions = {}): Promise<number> {
    const { execInContainer } = await import("./exec-container.js");
    return execInContainer(this.ctx, await this.record(ref), cmd, opts);
  }

  /**
   * Run `fn` on the container's files as its processes see them (for `cp`):
   * its root filesystem — the live mount of a running container, or,
   * holding the container's lock so that it cannot start meanwhile, its
   * overlay mounted for the call — with its volumes and bind mounts over it
   * (see containerCopyRoot).
   */
  async withCopyRoot<T>(ref: string | ContainerRecord, fn: (root: MountedRoot) => Promise<T>): Promise<T> {
    const record = await this.record(ref);
    const dir = this.ctx.dir(record.id);
    const [{ currentState }, { containerCopyRoot }] = await Promise.all([import("./container-status.js"), import("./container-copy-root.js")]);
    const state = await currentState(this.ctx, record);
    if (state.status === "running") return fn(await containerCopyRoot(dir, record, join(dir, "rootfs")));
    return withContainerLock(dir, async () => {
      const rootfs = await OverlayRootfs.mount(dir, record.lowerDirs);
      try {
        return await fn(await containerCopyRoot(dir, record, rootfs.path));
      } finally {
        await rootfs.unmount({ keepWritableLayer: true });
      }
    });
  }


  /**
   * Every container's record and settled state, newest first. Also
   * finishes removals whose background remover was cut short.
   */
  async list(): Promise<ContainerSummary[]> {
    const [{ currentState }, { finishAbandonedRemovals }] = await Promise.all([import("./container-status.js"), import("./fast-run/background-removal.js")]);
    await finishAbandonedRemovals(this.ctx);
    const out: ContainerSummary[] = [];
    for (const id of await this.ctx.ids()) {
      const record = await readContainerRecord(this.ctx.dir(id));
      if (record === undefined) continue;
      const state = await currentState(this.ctx, record).catch(() => undefined);
      if (state === undefined) continue;
      if (state.status === "exited" && record.autoRemove && !(state.attached !== undefined && (await isRunning(state.attached)))) {
        // An --rm container whose foreground berth died before removing it.
        await this.remove(record, { force: true }).catch(() => undefined);
        continue;
      }
      if (state.held !== undefined && state.status === "created" && !(await heldAlive(state))) {
        // Made ahead of a request that never came: the process holding its start (the daemon) died.
        await this.remove(record, { force: true, volumes: "made" }).catch(() => undefined);
        continue;
      }
      const health = record.health !== undefined ? await this.health(record, state) : undefined;
      out.push({ record, state, command: commandLine(record), ports: livePorts(state), ...(health !== undefined && { health }), ...((await monitorLost(state)) && { monitorLost: true }) });
    }
    return out.sort((a, b) => b.record.created.localeCompare(a.record.created));
  }

  /**
   * Start the containers left `restarting` with nobody to restart them: their
   * restart policy wants them back, but their monitor ended without running
   * the exit hook (killed, or the machine restarted), or the hook died
   * during its back-off. One whose back-off (and a grace for a live hook) has
   * not run out yet is left for a later call; a live hook that starts it
   * first makes this start a no-op. The daemon calls this (dockerd brings
   * such containers back when it starts, too).
   */
  async restartStalled(now = Date.now()): Promise<{ started: string[]; failed: { id: string; error: string }[] }> {
    const [{ restartDelayMs }, { currentState }] = await Promise.all([import("./container-exit.js"), import("./container-status.js")]);
    const started: string[] = [];
    const failed: { id: string; error: string }[] = [];
    for (const id of await this.ctx.ids()) {
      // Read only, and only the state file, for all but the few that need a look: this runs every few seconds.
      const stored = await readContainerState(this.ctx.dir(id));
      const ended = stored?.status === "running" && !(stored.monitor !== undefined && (await isRunning(stored.monitor))) && !(stored.pid !== undefined && (await isRunning(stored.pid)));
      if (stored?.status !== "restarting" && !ended) continue;
      const record = await readContainerRecord(this.ctx.dir(id));
      if (record === undefined) continue;
      try {
        // Settles an end nobody recorded (restarting, if its policy wants it back).
        const state = await currentState(this.ctx, record);
        if (state.status !== "restarting") continue;
        const since = Date.parse(state.finishedAt ?? "") || 0;
        if (now < since + restartDelayMs(state.restartCount) + STALLED_GRACE_MS) continue;
        await this.start(record, { restartCount: state.restartCount + 1 });
        started.push(id);
      } catch (e) {
        failed.push({ id, error: e instanceof Error ? e.message : String(e) });
      }
    }
    return { started, failed };
  }

  async inspect(ref: string | ContainerRecord): Promise<ContainerInspect> {
    const record = await this.record(ref);
    const { currentState } = await import("./container-status.js");
    const settled = await currentState(this.ctx, record);
    const state = (await monitorLost(settled)) ? { ...settled, error: MONITOR_LOST } : settled;
    const { containerEndpoints } = await import("./container-endpoints.js");
    const volumeDirs = new Map((record.volumes ?? []).map((name) => [join(this.ctx.root, "volumes", name, "_data"), name]));
    const health = await this.health(record, state);
    return inspectContainer({
      record, state, logPath: this.ctx.logPath(record.id), dir: this.ctx.dir(record.id), networks: await containerEndpoints(record, state, (name) => this.networkId(name)), livePorts: livePorts(state), volumeDirs,
      ...(health !== undefined && { health }),
    });
  }

  /** A network's id, read from the store: its module is loaded only when a container that is not running asks. */
  private async networkId(name: string): Promise<string> {
    const { NetworkStore } = await import("./network/index.js");
    return (await new NetworkStore(this.ctx.root).inspect(name)).id;
  }

  /** docker's health of the container, when it has a check (see healthOfRun: `unhealthy` once stopped). */
  private async health(record: ContainerRecord, state: ContainerState): Promise<HealthStatus | undefined> {
    if (record.health === undefined) return undefined;
    return healthOfRun(await readHealthStatus(this.ctx.dir(record.id)), state);
  }

  private async record(ref: string | ContainerRecord): Promise<ContainerRecord> {
    return typeof ref === "string" ? this.ctx.resolve(ref) : ref;
  }
}
