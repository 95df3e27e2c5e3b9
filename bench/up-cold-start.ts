import { waitUntilReady } from "./up-readiness.js";
import { briefError, mustRunUp, type StackSide } from "./up-side.js";

/** One side's timed rounds: seconds of those that completed, and what went wrong in the others. */
export interface SideTimes {
  readonly name: string;
  readonly seconds: number[];
  /** Per timed round, when the side's up command had returned (seconds from its start); shows how much of a row is waiting for health. */
  readonly commandSeconds?: number[];
  /** One line per failed round, naming the round. */
  readonly problems: string[];
}

/** Options for {@link measureColdStarts}. */
export interface ColdStartOptions {
  readonly expected: Readonly<Record<string, number>>;
  readonly warmup: number;
  readonly runs: number;
  readonly timeoutMs: number;
  readonly signal: AbortSignal;
  readonly log: (line: string) => void;
}


/**
 * Seconds from starting `side.up()` until every replica is running and healthy and the up
 * command has returned, whichever is later. A command that fails ends the wait at once.
 * `side.down()` runs afterwards whatever happened, untimed.
 */
export async function coldStart(side: StackSide, opts: Omit<ColdStartOptions, "warmup" | "runs">): Promise<{ seconds: number; commandSeconds: number }> {
  const failed = new AbortController();
  const onAbort = (): void => failed.abort(opts.signal.reason);
  opts.signal.addEventListener("abort", onAbort, { once: true });
  let done = false;
  let returned = 0;
  try {
    const start = performance.now();
    const command = side.up().then(() => {
      returned = performance.now() - start;
      done = true;
    }, (err: unknown) => {
      failed.abort(new Error(`${side.name} up failed: ${briefError(err)}`));
    });
    try {
      const ms = await waitUntilReady(() => side.observe(), start, { expected: opts.expected, timeoutMs: opts.timeoutMs, alsoDone: () => done, signal: failed.signal });
      return { seconds: ms / 1000, commandSeconds: returned / 1000 };
    } finally {
      await command;
    }
  } finally {
    opts.signal.removeEventListener("abort", onAbort);
    await side.down();
  }
}

/**
 * Cold starts of each side, `warmup` untimed then `runs` timed rounds; the side that goes first
 * alternates per round, and `sync` (untimed) runs before each start so nobody pays for the
 * other's writeback. A round that fails (its command fails, or the stack is not all healthy in
 * time) is recorded in the side's problems and the rounds go on: the stack was taken down.
 */
export async function measureColdStarts(sides: readonly StackSide[], opts: ColdStartOptions): Promise<SideTimes[]> {
  const results = sides.map((s): SideTimes => ({ name: s.name, seconds: [], commandSeconds: [], problems: [] }));
  for (let round = 0; round < opts.warmup + opts.runs; round++) {
    const timed = round >= opts.warmup;
    const order = round % 2 === 0 ? sides : [...sides].reverse();
    for (const side of order) {
      const result = results[sides.indexOf(side)]!;
      opts.signal.throwIfAborted();
      await mustRunUp("sync", [], undefined, 120_000);
      try {
        const s = await coldStart(side, opts);
        if (timed) {
          result.seconds.push(s.seconds);
          result.commandSeconds?.push(s.commandSeconds);
        }
        opts.log(`up ${timed ? `round ${round - opts.warmup + 1}/${opts.runs}` : "warm-up"}: ${side.name} ${s.seconds.toFixed(2)} s (its command returned after ${s.commandSeconds.toFixed(2)} s)`);
      } catch (err) {
        opts.signal.throwIfAborted();
        const problem = `${timed ? `round ${round - opts.warmup + 1}` : "warm-up"}: ${briefError(err)}`;
        result.problems.push(problem);
        opts.log(`up: ${side.name}: ${problem}`);
      }
    }
  }
  return results;
}
