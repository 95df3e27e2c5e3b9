#!/usr/bin/env node
// conmon runs this when a container ends: `node exit-hook.js ROOT ID RUN_ID RUNTIME`.
// It records the exit, applies the restart policy and removes --rm
// containers — so a container started by a CLI that has long exited is
// still looked after, with no daemon.
import { appendFile } from "node:fs/promises";
import { join } from "node:path";
import { readContainerState } from "./container-state.js";

async function main(argv: readonly string[]): Promise<void> {
  const [root, id, runId, runtime] = argv;
  if (root === undefined || id === undefined || runId === undefined) throw new Error("usage: exit-hook ROOT ID RUN_ID [RUNTIME]");
  if (!(await leftToUs(join(root, "containers", id), runId))) return;
  const { handleContainerExit } = await import("./exit-hook-handler.js");
  await handleContainerExit(root, id, runId, runtime);
}

/**
 * Whether this run's end is still to be handled: its state still says
 * `running` under this run, or `restarting` because of it. Otherwise
 * another berth process has settled it (`stop`, `wait`, `ps`, `rm`) and
 * this process ends without loading the code that settles, restarts and
 * removes, which would be most of its cost. (EXIT_HOOK_SH has most often
 * decided so before Node starts.)
 */
async function leftToUs(dir: string, runId: string): Promise<boolean> {
  const state = await readContainerState(dir);
  return (state?.status === "running" && state.runId === runId) || (state?.status === "restarting" && state.restartOf === runId);
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
