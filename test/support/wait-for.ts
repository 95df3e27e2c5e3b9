import { setTimeout as sleep } from "node:timers/promises";

/** Options for {@link waitFor}. */
export interface WaitForOptions {
  /** Give up after this long (default 15 000 ms). */
  readonly timeoutMs?: number;
  /** Pause between probes (default 200 ms). */
  readonly intervalMs?: number;
}

/**
 * Call `probe` until it returns something other than undefined or false, and
 * return that. Bounded in time: throws after `timeoutMs`, naming `what` and
 * the last value seen (a probe that throws counts as a miss; its message is kept).
 */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, opts: WaitForOptions = {}): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const deadline = Date.now() + timeoutMs;
  let last = "nothing yet";
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v;
      last = String(v);
    } catch (e) {
      last = e instanceof Error ? e.message : String(e);
    }
    if (Date.now() >= deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last probe: ${last}`);
    await sleep(opts.intervalMs ?? 200);
  }
}

/**
 * Sample `probe` every `intervalMs` for `durationMs`; returns every sample.
 * Used to watch a value that must stay within bounds (pids.current under a limit).
 */
export async function sampleFor<T>(durationMs: number, intervalMs: number, probe: () => Promise<T>): Promise<T[]> {
  const samples: T[] = [];
  const end = Date.now() + durationMs;
  while (Date.now() < end) {
    samples.push(await probe());
    await sleep(intervalMs);
  }
  return samples;
}
