import { existsSync } from "node:fs";
import { dirname } from "node:path";
import type { ContainerRecord } from "../container-record.js";
import { readContainerState } from "../container-state.js";
import { ChangeWaiter } from "../logs/change-waiter.js";
import { isRunning } from "../process-identity.js";
import type { RuntimeContext } from "../runtime-context.js";

/** How often the run is looked at when no change in its exits dir wakes the wait. */
const LOOK_MS = 1_000;

/**
 * Resolves once the container's current run has ended as its files tell:
 * conmon's exit file is there, its state is no longer `running` (settled
 * by another process, or never started), or none of the processes it names
 * is alive (a monitor killed before it could write the exit file). Nothing
 * is settled here; that is for whoever comes next. Wakes at once when
 * conmon writes the exit file (inotify on its directory), else looks every
 * second. Rejects only when `signal` aborts.
 */
export async function runEnded(ctx: RuntimeContext, record: ContainerRecord, signal?: AbortSignal): Promise<void> {
  const exitFile = ctx.exitFile(record.id);
  const exits = new ChangeWaiter(dirname(exitFile), LOOK_MS);
  try {
    for (;;) {
      signal?.throwIfAborted();
      if (await hasEnded(ctx, record, exitFile)) return;
      await exits.wait(signal);
    }
  } finally {
    exits.close();
  }
}

async function hasEnded(ctx: RuntimeContext, record: ContainerRecord, exitFile: string): Promise<boolean> {
  // Synchronous: one stat, between the container's end and the answer of a foreground run.
  if (existsSync(exitFile)) return true;
  const state = await readContainerState(ctx.dir(record.id));
  if (state?.status !== "running") return true;
  return !((state.pid !== undefined && (await isRunning(state.pid))) || (state.monitor !== undefined && (await isRunning(state.monitor))));
}
