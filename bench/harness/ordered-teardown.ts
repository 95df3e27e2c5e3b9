import { setTimeout as sleep } from "node:timers/promises";
import { Cleanup } from "./cleanup.js";
import type { CommandRunner } from "./command-runner.js";

/**
 * Run `measure` with a Cleanup of its own, hung on run.ts's `outer` as one step. run.ts calls
 * `outer.run()` from its signal handler and again from its finally: two runs would pop steps
 * concurrently, and the handler exits the process when its own run ends, maybe while the other
 * is still removing containers. The one step does it all in order: abort `measure`'s signal (no
 * new command), stop the tools `commands` runs by PID, wait up to `settleMs` for `measure` to
 * notice and register what it made, then the bench's own steps, last-in first-out.
 */
export async function measureWithTeardown(
  outer: Cleanup, name: string, commands: CommandRunner, settleMs: number,
  measure: (cleanup: Cleanup, signal: AbortSignal) => Promise<number>,
): Promise<number> {
  const cleanup = new Cleanup();
  const stop = new AbortController();
  let settled: Promise<unknown> = Promise.resolve();
  outer.defer(`${name} teardown`, async () => {
    stop.abort(new Error("cleanup started"));
    await commands.stopAll();
    await Promise.race([settled, sleep(settleMs, undefined, { ref: false })]);
    await cleanup.run();
  });
  const measuring = measure(cleanup, stop.signal);
  settled = measuring.catch(() => undefined);
  return await measuring;
}
