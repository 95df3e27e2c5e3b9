import { access } from "node:fs/promises";
import { readContainerState, type ContainerState } from "./container-state.js";
import { isRunning } from "./process-identity.js";
import { settleExit } from "./container-exit.js";
import type { ContainerRecord } from "./container-record.js";
import type { RuntimeContext } from "./runtime-context.js";

/** A `restarting` state older than this has lost the exit hook that was to restart it. */
const RESTART_STALE_MS = 120_000;

/**
 * The container's state as it truly is now: a `running` state whose run has
 * ended (an exit file, or no live process at all) is settled first, so a
 * killed monitor or a dead exit hook never leaves `ps` lying.
 */
export async function currentState(ctx: RuntimeContext, record: ContainerRecord): Promise<ContainerState> {
  const dir = ctx.dir(record.id);
  const state = (await readContainerState(dir)) ?? { status: "created", restartCount: 0 };
  if (state.status === "running") {
    // The common case, read without the lock: no exit file and a live process — nothing to settle.
    const ended = (await access(ctx.exitFile(record.id)).then(() => true, () => false))
      || !((state.pid !== undefined && (await isRunning(state.pid))) || (state.monitor !== undefined && (await isRunning(state.monitor))));
    if (!ended) return state;
    const settled = await settleExit(ctx, record, state.runId);
    if (settled.state !== undefined) return settled.state;
    return (await readContainerState(dir)) ?? state;
  }
  if (state.status === "restarting" && state.finishedAt !== undefined && Date.now() - Date.parse(state.finishedAt) > RESTART_STALE_MS) {
    return { ...state, status: "exited" };
  }
  return state;
}

/**
 * Wait until the container is not running (nor restarting, unless
 * `nextExit`: then its first exit counts) and return its exit code; polls its state, settling the run as soon as conmon's exit
 * file appears, so no exit hook is needed for the answer.
 */
export async function waitContainer(ctx: RuntimeContext, record: ContainerRecord, opts: { signal?: AbortSignal; pollMs?: number; nextExit?: boolean } = {}): Promise<number> {
  for (let delay = 5; ; delay = Math.min(delay * 2, opts.pollMs ?? 50)) {
    opts.signal?.throwIfAborted();
    const s = await currentState(ctx, record).catch((e: unknown) => {
      // Removed meanwhile (an --rm container settled by its exit hook): the code is gone with it.
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw e;
    });
    if (s === undefined) return 0;
    if (s.status === "exited" || s.status === "created") return s.exitCode ?? 0;
    // docker run in the foreground returns at the first exit, whatever the restart policy does next.
    if (opts.nextExit && s.status === "restarting") return s.exitCode ?? 0;
    await new Promise((r) => setTimeout(r, delay));
  }
}
