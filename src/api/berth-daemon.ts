import { createServer, type Server } from "node:http";
import { chmod, mkdir, unlink } from "node:fs/promises";
import { OrchestratorState, ServiceTraffic, StackEngine, StackRollouts, StackScaling, StackSupervisor, type PassHook } from "../orchestrator/index.js";
import type { ContainerRuntime, ProcessIdentity } from "../runtime/index.js";
import { daemonPaths, type DaemonPaths } from "./daemon-paths.js";
import { claimPidFile, releasePidFile } from "./daemon-pid-file.js";
import { daemonRoutes } from "./daemon-routes.js";
import { RunAnnouncements, type AnnouncementReader } from "./run-announcements.js";
import { RunSocket } from "./run-socket.js";

/** Options of {@link BerthDaemon.start}. */
export interface BerthDaemonOptions {
  readonly runtime: ContainerRuntime;
  /** berth's version, reported by `GET /v1/info`. */
  readonly version: string;
  /** Pause between reconcile passes (default 500 ms). */
  readonly intervalMs?: number;
  /** Where the daemon says what it does (default: stderr). */
  readonly log?: (line: string) => void;
  /**
   * How an announced `berth run` is read (the CLI's reading of its command line): given, the daemon
   * makes a run's container while its CLI starts (run-announcements.ts).
   */
  readonly announcedRuns?: AnnouncementReader;
}

/**
 * `berth daemon`: one per berth root. It claims the root (pid file), opens
 * the state store, adopts the stacks it finds there, and serves the API on
 * a unix socket only root can reach (the directory is 0700). Stopping it —
 * `stop()`, SIGTERM, `POST /v1/shutdown`, or kill -9 — never stops a
 * container: containers live under their own monitors, and the next daemon
 * adopts them.
 */
export class BerthDaemon {
  private stopping: Promise<void> | undefined;
  private resolveClosed!: () => void;
  /** Settles once the daemon has stopped, whoever asked. */
  readonly closed = new Promise<void>((r) => (this.resolveClosed = r));

  private constructor(
    readonly paths: DaemonPaths,
    readonly supervisor: StackSupervisor,
    private readonly server: Server,
    private readonly state: OrchestratorState,
    private readonly me: ProcessIdentity,
    private readonly log: (line: string) => void,
    private readonly closers: (() => Promise<void>)[],
  ) {}

  static async start(opts: BerthDaemonOptions): Promise<BerthDaemon> {
    const log = opts.log ?? ((l: string) => void process.stderr.write(`${l}\n`));
    const paths = daemonPaths(opts.runtime.ctx.root);
    await mkdir(paths.dir, { recursive: true, mode: 0o700 });
    await chmod(paths.dir, 0o700);
    const me = await claimPidFile(paths.pidFile, paths.socket);
    let state: OrchestratorState | undefined;
    try {
      state = OrchestratorState.open(paths.stateDb);
      // The engine and the traffic need each other (a rollout drains through the balancers): the closures run only after both exist.
      const engine: StackEngine = new StackEngine(opts.runtime, {
        balancedPorts: true, revisions: state.revisions,
        afterReplicaChange: async (change) => traffic.replicaChanged(change, supervisor.list()),
        onRolloutProgress: (r) => state?.putRollout(r),
      });
      const supervisor: StackSupervisor = new StackSupervisor({
        engine, state, ...(opts.intervalMs !== undefined && { intervalMs: opts.intervalMs }),
        planFor: (project) => rollouts.planFor(project), beforeLoop: () => rollouts.resumeUnfinished(),
      });
      const rollouts = new StackRollouts(supervisor, (change) => traffic.replicaChanged(change, supervisor.list()));
      const traffic = new ServiceTraffic(engine, engine.networks, (project, detail) => supervisor.record({ time: new Date().toISOString(), project, service: "", action: "warning", detail }));
      supervisor.addHook(() => traffic.sync(supervisor.list()));
      supervisor.addUpCheck((s) => traffic.failures(s.stored.project));
      supervisor.addHook(stalledRestarts(opts.runtime, log));
      const scaling = new StackScaling(supervisor);
      scaling.replay();
      supervisor.addHook(scaling.hook);
      supervisor.addAdvisor((s) => (s.plan === undefined ? [] : scaling.upWarnings(s.stored.project, s.plan, (svc) => s.project?.services[svc]?.berth.rightSize.enabled !== false)));
      const routes = daemonRoutes({
        store: opts.runtime.store,
        runtime: opts.runtime,
        log,
        supervisor,
        scaling,
        rollouts,
        stackExtras: (project) => ({ published: traffic.published(supervisor.get(project)) }),
        info: () => ({ version: opts.version, pid: process.pid, root: opts.runtime.ctx.root, socket: paths.socket, stacks: supervisor.list().length, lastEventId: state?.lastEventId() }),
        shutdown: () => void daemon.stop(),
      });
      const server = createServer((req, res) => void routes.handle(req, res));
      // The claim above makes any socket file left here stale.
      await unlink(paths.socket).catch(() => undefined);
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(paths.socket, () => resolve());
      });
      await chmod(paths.socket, 0o600);
      const reader = opts.announcedRuns;
      const announcements = reader === undefined ? undefined : await RunAnnouncements.listen(paths.runFifo, opts.runtime, reader, { log }).catch((e: unknown) => {
        // Runs are then made once their CLI asks, as before.
        log(`runs are not announced: ${e instanceof Error ? e.message : String(e)}`);
        return undefined;
      });
      const runSocket = await RunSocket.listen(paths.runSocket, opts.runtime, log, announcements).catch(async (e: unknown) => {
        server.close();
        await announcements?.close();
        throw e;
      });
      const daemon = new BerthDaemon(paths, supervisor, server, state, me, log, [
        () => runSocket.close(), async () => announcements?.close(), () => traffic.close(),
      ]);
      await supervisor.start();
      log(`berth daemon ${opts.version} (pid ${process.pid}) listening on ${paths.socket}; ${supervisor.list().length} stack(s) adopted`);
      return daemon;
    } catch (e) {
      state?.close();
      await releasePidFile(paths.pidFile, me);
      throw e;
    }
  }

  /** Run `hook` after every reconcile pass; `close` when the daemon stops. */
  addPassHook(hook: PassHook, close?: () => Promise<void>): void {
    this.supervisor.addHook(hook);
    if (close) this.closers.push(close);
  }

  /** Stop serving and reconciling; containers keep running. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.server.close();
      this.server.closeAllConnections();
      await this.supervisor.stop();
      for (const close of this.closers) await close().catch(() => undefined);
      this.state.close();
      await unlink(this.paths.socket).catch(() => undefined);
      await releasePidFile(this.paths.pidFile, this.me);
      this.log("berth daemon stopped; containers left running");
      this.resolveClosed();
    })();
    return this.stopping;
  }
}

/** How often the daemon looks for containers left `restarting` with nobody to restart them. */
const STALLED_LOOK_MS = 5_000;

/**
 * A pass hook that, at the daemon's first pass and every few seconds after,
 * starts the containers whose restart policy wants them back but whose exit
 * hook never ran or died (ContainerRuntime.restartStalled): after a reboot,
 * or a monitor killed. Without a daemon they stay `restarting` until
 * started by hand.
 */
function stalledRestarts(runtime: ContainerRuntime, log: (line: string) => void): PassHook {
  let next = 0;
  return async () => {
    if (Date.now() < next) return;
    next = Date.now() + STALLED_LOOK_MS;
    const { started, failed } = await runtime.restartStalled();
    for (const id of started) log(`restarted container ${id.slice(0, 12)} (its restart policy; nobody else was restarting it)`);
    for (const f of failed) log(`could not restart container ${f.id.slice(0, 12)}: ${f.error}`);
  };
}
