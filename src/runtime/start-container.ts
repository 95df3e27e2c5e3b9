import { randomBytes } from "node:crypto";
import { access, rm } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { writeFileAtomic } from "../content/index.js";
import { warmCgroupMigration } from "./cgroup/migration-warmup.js";
import { ConmonCreateError } from "./conmon.js";
import type { AttachedNetwork } from "./container-network.js";
import type { ContainerRecord } from "./container-record.js";
import { containerGone, readContainerState, withContainerLock, writeContainerState, type ContainerState } from "./container-state.js";
import { classifyStartFailure, ContainerStartError, RootfsError } from "./errors.js";
import { etcFilesIn, writeEtcFiles } from "./etc-files.js";
import { nofileHardLimit } from "./host-limits.js";
import { initBinary } from "./init-binary.js";
import { readImageAccounts } from "./internal/read-in-root.js";
import { trace } from "./internal/trace.js";
import { UndoStack } from "./internal/undo-stack.js";
import { whenAll } from "./internal/when-all.js";
import { heldAlive } from "./held-start.js";
import { identityOfSync, selfIdentity, type ProcessIdentity } from "./process-identity.js";
import type { PreparedRootfs } from "./prepared-rootfs.js";
import { OverlayRootfs } from "./rootfs.js";
import { buildRuntimeSpec } from "./runtime-spec.js";
import { ContainerNotFoundError, type RuntimeContext } from "./runtime-context.js";
import { loadSeccompProfile } from "./seccomp-loader.js";

/** Options of {@link startContainer}. */
export interface StartOptions {
  /**
   * Set by the restart policy's restart (exit hook, daemon): counts restarts, and the start is skipped unless
   * the state is still `restarting`. Absent, the start is a user's and the count starts from 0 again.
   */
  readonly restartCount?: number;
  /** A foreground `berth run` that will follow and remove the container itself. */
  readonly attached?: ProcessIdentity;
  /** The rootfs `run` began to mount while it made this new container (createContainerToStart). */
  readonly rootfs?: PreparedRootfs;
  /**
   * Awaited once runc has made the container and before its process is let go: a start made ahead
   * of its request (the daemon's announced runs) waits here for the request, and is undone, as any
   * failed start, when this throws. The container is then left marked held by this process: the
   * caller must remove it (RemoveOptions.undoingHeldStart), as ContainerRuntime.run does.
   */
  readonly gate?: () => Promise<void>;
}

/**
 * Start container `record` under a conmon monitor: mount its rootfs (its
 * writable layer kept from an earlier run), set up its network, write the
 * runtime spec, `runc create` through conmon, `runc start`. A container
 * already running is left as it is. On failure everything this start made is
 * undone, the state records the error (exit code 125/126/127 as docker's) and
 * ContainerStartError or the step's own error is thrown.
 */
export async function startContainer(ctx: RuntimeContext, record: ContainerRecord, opts: StartOptions = {}): Promise<ContainerState> {
  // runc will move the container's init into its cgroups: the kernel's wait for that starts now (a no-op when `run` started it).
  void warmCgroupMigration();
  const dir = ctx.dir(record.id);
  return withContainerLock(dir, async () => {
    const stored = (await readContainerState(dir)) ?? { status: "created", restartCount: 0 };
    // A user's start (not the restart policy's) begins the count, and with it the back-off, again: docker's
    // start resets the container's restart manager (ResetRestartManager(true)), failed start or not.
    const before = opts.restartCount === undefined ? { ...stored, restartCount: 0 } : stored;
    // Started by another berth between its creation and this lock: that start cleared and remade the
    // mount; whatever of this one is left, removing the container unmounts (it unmounts until none is).
    if (stored.status === "running") return stored;
    if (opts.restartCount !== undefined && stored.status !== "restarting") return stored;
    // Still held once its holder let go of the lock: a start made ahead that its gate refused, which its
    // process is undoing (it removes the container next). Not to be started meanwhile.
    if (stored.status === "created" && (await heldAlive(stored))) throw new ContainerNotFoundError(record.name ?? record.id);
    if (stored.held !== undefined && stored.netnsPath !== undefined) {
      // Held at its gate by a process that died there (a daemon killed while a run made ahead waited):
      // its network is still set up, and the state would forget it once this start rewrites it.
      const { detachNetwork } = await import("./container-network.js");
      await detachNetwork(ctx, record, stored);
    }
    const runId = randomBytes(8).toString("hex");
    const undo = new UndoStack();
    let refusedAtGate = false;
    const gate = opts.gate;
    const gated: StartOptions = gate === undefined ? opts : {
      ...opts,
      gate: async () => {
        try {
          await gate();
        } catch (e) {
          refusedAtGate = true;
          throw e;
        }
      },
    };
    try {
      const state = await startLocked(ctx, record, before, runId, undo, gated);
      return state;
    } catch (e) {
      await undo.run().catch(() => undefined);
      const exitCode = e instanceof ContainerStartError ? e.exitCode : 125;
      await writeContainerState(dir, {
        ...withoutRun(before),
        // As docker's: a container that never ran stays `created` (its state shows the error and code); one that ran is `exited`.
        status: before.startedAt === undefined ? "created" : "exited",
        exitCode,
        error: e instanceof Error ? e.message : String(e),
        finishedAt: new Date().toISOString(),
        // Refused at its gate, it is undone next by this process (RemoveOptions.undoingHeldStart): still
        // held, so that an `rm` asked meanwhile waits for that rather than take it apart by halves.
        ...(refusedAtGate ? { held: await selfIdentity() } : {}),
      });
      throw e;
    }
  }).catch(async (e: unknown) => {
    // Removed while this waited for its lock (a run made ahead that was undone meanwhile, an rm).
    if (await containerGone(e, dir)) throw new ContainerNotFoundError(record.name ?? record.id);
    throw e;
  });
}

async function startLocked(ctx: RuntimeContext, record: ContainerRecord, before: ContainerState, runId: string, undo: UndoStack, opts: StartOptions): Promise<ContainerState> {
  const { id } = record;
  const dir = ctx.dir(id);
  const runtimeLog = join(dir, "runc.log");
  const runtime = ctx.runtimeOf(record);
  // Steps that do not depend on each other run at once (each a few file operations or a program). The
  // seccomp profile (tens of ms to read and convert) and the host's limit are not needed before the spec:
  // they are worked out while mount runs, and awaited there (reads only: nothing to undo if the start fails first).
  const seccompLoaded = loadSeccompProfile(record.options.seccompProfile);
  const nofileRead = nofileHardLimit();
  for (const p of [seccompLoaded, nofileRead]) p.catch(() => undefined);
  let prepared: PreparedRootfs;
  if (opts.rootfs !== undefined) {
    // A new container's, being mounted since it was made: no earlier run to clear, its layers were there.
    // Its image's accounts are often known already: the spec is then written while the mount is made.
    prepared = opts.rootfs;
  } else {
    await whenAll([checkLowerDirs(record), clearEarlierRun(ctx, record, runtimeLog)]);
    const rootfs = await OverlayRootfs.mount(dir, record.lowerDirs);
    prepared = { mounted: Promise.resolve(rootfs), accounts: readImageAccounts(rootfs.path) };
    prepared.accounts.catch(() => undefined);
  }
  // Undone with the start whether or not the spec is written by then (mount errors are thrown below).
  undo.push(() => prepared.mounted.then((r) => r.unmount({ keepWritableLayer: true }), () => undefined));
  const [network, imageAccounts, init, seccomp, nofile] = await whenAll([
    attachNetwork(ctx, record, undo),
    prepared.accounts,
    record.options.init ? initBinary() : undefined,
    seccompLoaded,
    nofileRead,
  ]);
  const spec = buildRuntimeSpec({
    id,
    image: record.imageConfig,
    options: record.options,
    ...imageAccounts,
    nofileHardLimit: nofile,
    hostHostname: hostname(),
    etcFiles: etcFilesIn(dir),
    ...(seccomp && { seccomp }),
    ...(network.netnsPath !== undefined && { netnsPath: network.netnsPath }),
    ...(record.tty && { terminal: true }),
    ...(init !== undefined && { init }),
  });
  await whenAll([
    network.writeEtcFiles(spec.hostname ?? id.slice(0, 12)),
    // Remade at every start: atomic, not fsynced.
    writeFileAtomic(join(dir, "config.json"), JSON.stringify(spec), { durable: false }),
    // A start that will wait at its gate, perhaps for seconds, says so, with what it set up: should
    // this process die before it is through (a daemon killed), `ps` takes it all apart.
    opts.gate !== undefined && selfIdentity().then((held) => writeContainerState(dir, {
      ...withoutRun(before), held,
      ...(network.netnsPath !== undefined && { netnsPath: network.netnsPath }), ...(network.state !== undefined && { network: network.state }),
    })),
  ]);
  trace("start: runtime spec and /etc files written");
  await prepared.mounted;
  trace("start: mounted");
  // A foreground run settles and removes its container itself: the hook (one more Node process per
  // container) is only needed to restart it. Should that berth die, `ps` finishes the job.
  const hooked = opts.attached === undefined || (record.restartPolicy?.name ?? "no") !== "no";
  let created;
  try {
    created = await ctx.conmon.create({
      bundle: dir,
      id,
      ...(record.name !== undefined && { name: record.name }),
      logPath: ctx.logPath(id),
      // A foreground berth shows the output from the log: conmon starting the log over at its limit would
      // drop what it had not read yet (50 MB written at once came out as 7). Unlimited then, as docker's
      // json-file is by default; a restart by the container's policy has no follower, and the limit again.
      ...(opts.attached === undefined && { logSizeMax: ctx.logSizeMax }),
      ...(record.autoRemove && { noSyncLog: true }),
      exitDir: join(dir, "exits"),
      ...(hooked && { exitCommand: ctx.exitCommand(id, runId) }),
      ...(record.tty && { terminal: true }),
      runtime: runtime.binary,
      runtimeArgs: ["--root", runtime.opts.stateDir, "--log", runtimeLog, "--log-format", "json"],
      runtimeLog,
    });
  } catch (e) {
    if (e instanceof ConmonCreateError) throw new ContainerStartError(id, classifyStartFailure(e.message), e.message);
    throw e;
  }
  trace("start: conmon ran runc create");
  undo.push(() => runtime.delete(id));
  // Synchronous: two small reads of /proc, where the thread pool's round trips wait for a core on a busy machine.
  const [pid, monitor] = [identityOfSync(created.pid), identityOfSync(created.monitorPid)];
  await opts.gate?.();
  const state: ContainerState = {
    ...withoutRun(before),
    status: "running",
    runId,
    restartCount: opts.restartCount ?? before.restartCount,
    ...(opts.attached !== undefined && { attached: opts.attached }),
    startedAt: new Date().toISOString(),
    ...(pid !== undefined && { pid }),
    ...(monitor !== undefined && { monitor }),
    ...(network.netnsPath !== undefined && { netnsPath: network.netnsPath }),
    ...(network.state !== undefined && { network: network.state }),
  };
  if (hooked) {
    // Written before `runc start`: the exit hook of a container that ends at once must find it running.
    await writeContainerState(dir, state);
    await runtime.start(id, created.pid);
  } else {
    // No hook to find it: the state is written while the process is let go, both done before anyone
    // (the foreground run's wait) reads it.
    const [written, started] = await Promise.allSettled([writeContainerState(dir, state), runtime.start(id, created.pid)]);
    for (const r of [written, started]) if (r.status === "rejected") throw r.reason;
  }
  trace("start: runc started");
  if (record.health !== undefined) await (await import("./health-monitor.js")).ensureHealthMonitor(ctx);
  return state;
}

/** Every snapshot the rootfs is made of must still be there; a removed image gives a clear error, not mount's. */
async function checkLowerDirs(record: ContainerRecord): Promise<void> {
  const present = await Promise.all(record.lowerDirs.map((d) => access(d).then(() => true, () => false)));
  const gone = record.lowerDirs.find((_, i) => !present[i]);
  if (gone !== undefined) {
    throw new RootfsError("FAILED_PRECONDITION", gone, `a layer of image ${record.image} is gone`, "the image was removed; remove this container and run the image again");
  }
}

/** What an earlier run may have left when its berth or the machine crashed: its mount, runc's state of it, its exit file and runc log. */
async function clearEarlierRun(ctx: RuntimeContext, record: ContainerRecord, runtimeLog: string): Promise<void> {
  const { id } = record;
  const runtime = ctx.runtimeOf(record);
  const dir = ctx.dir(id);
  await whenAll([
    OverlayRootfs.existing(dir).then((r) => r.unmount({ keepWritableLayer: true }), () => undefined),
    // runc keeps a state dir per container it knows: only an earlier run's crash leaves one.
    access(join(runtime.opts.stateDir, id)).then(() => runtime.delete(id), () => undefined),
    rm(ctx.exitFile(id), { force: true }),
    rm(runtimeLog, { force: true }),
  ]);
}

/**
 * The container's network, its undo pushed. `none` and `host` without
 * published ports need no plugin and are set up here, so that the network
 * module (netavark, its records and their schemas) is loaded only for the
 * networks that use it; it rejects the rest of what they cannot do.
 */
async function attachNetwork(ctx: RuntimeContext, record: ContainerRecord, undo: UndoStack): Promise<AttachedNetwork> {
  const mode = record.options.network ?? "none";
  if ((mode === "none" || mode === "host") && (record.options.publish ?? []).length === 0) {
    return { writeEtcFiles: (hostname) => writeEtcFiles(etcFilesIn(ctx.dir(record.id)), hostname, mode) };
  }
  const { attachNetwork: attach, detachNetwork } = await import("./container-network.js");
  const network = await attach(ctx, record);
  undo.push(() => detachNetwork(ctx, record, network));
  return network;
}

/** A state without the fields of one run (pid, monitor, exit, error, network). */
export function withoutRun(s: ContainerState): ContainerState {
  const { pid: _pid, monitor: _monitor, exitCode: _exit, error: _error, oomKilled: _oom, netnsPath: _ns, network: _net, runId: _run, finishedAt: _fin, stoppedByUser: _stop, attached: _att, restartOf: _ro, held: _held, ...rest } = s;
  return rest;
}
