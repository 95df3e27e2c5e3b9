import { setMaxListeners } from "node:events";

/** Limits for {@link runPool}: every load loop is bounded in count and in time. */
export interface PoolOptions {
  /** Total tasks, numbered 0 … count−1. */
  readonly count: number;
  /** Tasks in flight at once. */
  readonly concurrency: number;
  /** Abort everything still running after this long. */
  readonly timeoutMs: number;
}

/**
 * Run `task(i, signal)` for i in 0 … count−1 with at most `concurrency` in flight. Rejects with
 * the first task error (the others are aborted through `signal`) or when `timeoutMs` passes.
 */
export async function runPool(
  opts: PoolOptions,
  task: (i: number, signal: AbortSignal) => Promise<void>,
): Promise<void> {
  const ctl = new AbortController();
  // Every in-flight request listens on this one signal; more than 10 is expected here, not a leak.
  setMaxListeners(opts.concurrency * 2 + 8, ctl.signal);
  const timer = setTimeout(
    () => ctl.abort(new Error(`load loop: ${opts.count} tasks did not finish in ${opts.timeoutMs} ms`)),
    opts.timeoutMs,
  );
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < opts.count && !ctl.signal.aborted) {
      await task(next++, ctl.signal);
    }
  };
  try {
    const workers = Array.from({ length: Math.min(opts.concurrency, opts.count) }, () =>
      worker().catch((err: unknown) => {
        if (!ctl.signal.aborted) ctl.abort(err);
        throw err;
      }),
    );
    await Promise.allSettled(workers);
    if (ctl.signal.aborted) throw ctl.signal.reason;
  } finally {
    clearTimeout(timer);
  }
}
