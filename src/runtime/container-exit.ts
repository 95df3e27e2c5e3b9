import { readFile, stat } from "node:fs/promises";
import { detachNetwork } from "./container-network.js";
import type { ContainerRecord } from "./container-record.js";
import { readContainerState, withContainerLock, writeContainerState, type ContainerState } from "./container-state.js";
import { containerOomKilled } from "./container-cgroup.js";
import { isRunning } from "./process-identity.js";
import { OverlayRootfs } from "./rootfs.js";
import type { RuntimeContext } from "./runtime-context.js";
import { withoutRun } from "./start-container.js";

/** What {@link settleExit} decided. */
export interface SettledExit {
  /** The state written, or undefined when there was nothing to settle (another process did it, or the run is still going). */
  readonly state?: ContainerState;
  /** The restart policy wants the container started again. */
  readonly restart: boolean;
}

/** How long a run whose processes are all gone may take to show its exit file. */
const EXIT_FILE_GRACE_MS = 2_000;

async function pollExitFile(path: string, ms: number): Promise<{ code: number; at: Date } | undefined> {
  const deadline = Date.now() + ms;
  for (let delay = 10; ; delay = Math.min(delay * 2, 200)) {
    const exit = await readExitFile(path);
    if (exit !== undefined || Date.now() > deadline) return exit;
    await new Promise((r) => setTimeout(r, delay));
  }
}

/** The exit code conmon recorded, and when. */
async function readExitFile(path: string): Promise<{ code: number; at: Date } | undefined> {
  const text = await readFile(path, "utf8").catch(() => undefined);
  if (text === undefined || !/^-?\d+\s*$/.test(text)) return undefined;
  const st = await stat(path);
  return { code: Number(text.trim()), at: st.mtime };
}

/**
 * Record the end of run `runId` of container `record`: the exit code from
 * conmon's exit file, OOMKilled from its cgroup (read before runc deletes
 * it), then take the run apart (runc delete, network, rootfs unmounted with
 * the writable layer kept). When the monitor is gone without an exit file
 * and the process is gone too, the end is recorded with exit code 255 and
 * an error saying why it is not known. Idempotent: the first of the exit
 * hook, a `wait` and a `ps` settles, the others find nothing to do.
 */
export async function settleExit(ctx: RuntimeContext, record: ContainerRecord, runId: string | undefined): Promise<SettledExit> {
  const dir = ctx.dir(record.id);
  return withContainerLock(dir, async () => {
    const state = await readContainerState(dir);
    if (state === undefined || state.status !== "running" || (runId !== undefined && state.runId !== runId)) return { restart: false };
    let exit = await readExitFile(ctx.exitFile(record.id));
    let error: string | undefined;
    if (exit === undefined) {
      const alive = (state.pid !== undefined && (await isRunning(state.pid))) || (state.monitor !== undefined && (await isRunning(state.monitor)));
      if (alive) return { restart: false };
      // conmon writes the exit file as it ends; a monitor not yet identified or already a zombie gets a moment.
      exit = await pollExitFile(ctx.exitFile(record.id), EXIT_FILE_GRACE_MS);
    }
    if (exit === undefined) {
      exit = { code: 255, at: new Date() };
      error = "the container's monitor (conmon) ended without recording an exit code (killed, or the machine restarted)";
    }
    const oomKilled = await containerOomKilled(record.id).catch(() => false);
    await ctx.runtimeOf(record).delete(record.id).catch(() => undefined);
    await detachNetwork(ctx, record, state).catch(() => undefined);
    await (await OverlayRootfs.existing(dir)).unmount({ keepWritableLayer: true });
    const restart = wantsRestart(record, state, exit.code);
    const next: ContainerState = {
      ...withoutRun(state),
      status: restart ? "restarting" : "exited",
      ...(restart && state.runId !== undefined && { restartOf: state.runId }),
      exitCode: exit.code,
      finishedAt: exit.at.toISOString(),
      ...(oomKilled && { oomKilled: true }),
      ...(error !== undefined && { error }),
      ...(state.stoppedByUser && { stoppedByUser: true }),
      ...(state.attached !== undefined && { attached: state.attached }),
    };
    await writeContainerState(dir, next);
    return { state: next, restart };
  });
}

/** docker's restart rules: never after a user's stop; on-failure up to its count. */
export function wantsRestart(record: ContainerRecord, state: ContainerState, exitCode: number): boolean {
  const p = record.restartPolicy;
  if (p === undefined || p.name === "no" || state.stoppedByUser) return false;
  if (p.name === "always" || p.name === "unless-stopped") return true;
  return exitCode !== 0 && (p.maximumRetryCount === 0 || state.restartCount < p.maximumRetryCount);
}

/** docker's back-off between restarts: 100 ms doubling, at most a minute. */
export const restartDelayMs = (restartCount: number): number => Math.min(100 * 2 ** Math.min(restartCount, 20), 60_000);
