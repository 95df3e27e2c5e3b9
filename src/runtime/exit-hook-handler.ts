import { ImageStore } from "../image/index.js";
import { restartDelayMs, settleExit } from "./container-exit.js";
import { readContainerRecord } from "./container-record.js";
import { readContainerState } from "./container-state.js";
import { isRunning } from "./process-identity.js";
import { removeContainer } from "./remove-container.js";
import { RuntimeContext } from "./runtime-context.js";
import { startContainer } from "./start-container.js";

/**
 * What the exit hook does once run `runId` of container `id` (under berth
 * root `root`) has ended: record the exit (settleExit), apply the restart
 * policy and remove an --rm container that no foreground berth follows.
 * Throws what those steps throw.
 */
export async function handleContainerExit(root: string, id: string, runId: string, runtime: string | undefined): Promise<void> {
  const ctx = new RuntimeContext(new ImageStore(root), { ...(runtime !== undefined && { runtimeBinary: runtime }) });
  const record = await readContainerRecord(ctx.dir(id));
  if (record === undefined) return;
  const settled = await settleExit(ctx, record, runId);
  // A `wait` or `ps` may have settled this run first: the restart it decided on is still ours to do.
  const now = settled.state ?? (await readContainerState(ctx.dir(id)));
  if (now === undefined) return;
  if (settled.restart || (now.status === "restarting" && now.restartOf === runId)) {
    await new Promise((r) => setTimeout(r, restartDelayMs(now.restartCount)));
    await startContainer(ctx, record, { restartCount: now.restartCount + 1 });
    return;
  }
  if (settled.state === undefined) return;
  const state = await readContainerState(ctx.dir(id));
  const followed = state?.attached !== undefined && (await isRunning(state.attached));
  if (record.autoRemove && !followed) await removeContainer(ctx, record, { force: true });
}
