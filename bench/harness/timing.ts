import { median } from "./stats.js";

/** Milliseconds `fn` took, measured with the monotonic clock, and what it returned. */
export async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = process.hrtime.bigint();
  const value = await fn();
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, value };
}

/** Options for {@link timeRepeated}. */
export interface TimeRepeatedOptions {
  /** How many times to run `fn`; 5 unless told. */
  readonly runs?: number;
  /** Untimed step before each run (drop caches, reset state). */
  readonly before?: (run: number) => Promise<void>;
}

/**
 * Run `fn` `runs` times one after another (never in parallel) and return each run's milliseconds
 * in order plus their median. `fn` gets the run index, so each run can use fresh data.
 */
export async function timeRepeated(
  fn: (run: number) => Promise<void>,
  opts: TimeRepeatedOptions = {},
): Promise<{ runsMs: number[]; medianMs: number }> {
  const runs = opts.runs ?? 5;
  const runsMs: number[] = [];
  for (let i = 0; i < runs; i++) {
    await opts.before?.(i);
    runsMs.push((await timed(() => fn(i))).ms);
  }
  return { runsMs, medianMs: median(runsMs) };
}

/** MiB per second for `bytes` moved in `ms`. */
export const mibPerSec = (bytes: number, ms: number): number => bytes / (1024 * 1024) / (ms / 1000);
