#!/usr/bin/env node
// conmon runs this when a container ends: `node exit-hook.js ROOT ID RUN_ID RUNTIME`.
// It records the exit, applies the restart policy and removes --rm
// containers — so a container started by a CLI that has long exited is
// still looked after, with no daemon.
import { appendFile } from "node:fs/promises";
import { join } from "node:path";
import { ImageStore } from "../image/index.js";
import { restartDelayMs, settleExit } from "./container-exit.js";
import { readContainerRecord } from "./container-record.js";
import { readContainerState } from "./container-state.js";
import { isRunning } from "./process-identity.js";
import { removeContainer } from "./remove-container.js";
import { RuntimeContext } from "./runtime-context.js";
import { startContainer } from "./start-container.js";

async function main(argv: readonly string[]): Promise<void> {
  const [root, id, runId, runtime] = argv;
  if (root === undefined || id === undefined || runId === undefined) throw new Error("usage: exit-hook ROOT ID RUN_ID [RUNTIME]");
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

main(process.argv.slice(2)).catch(async (e: unknown) => {
  // conmon discards this process's output: the failure goes beside the container's log. The state
  // stays `running` and the next `ps` or `wait` settles it.
  process.exitCode = 1;
  const [root, id] = process.argv.slice(2);
  if (root !== undefined && id !== undefined && /^[0-9a-f]{64}$/.test(id)) {
    const line = `${new Date().toISOString()} exit hook: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`;
    await appendFile(join(root, "containers", id, "exit-hook.log"), line).catch(() => undefined);
  }
});
