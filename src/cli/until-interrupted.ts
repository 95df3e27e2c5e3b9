/** What {@link untilInterrupted} does on the first Ctrl-C (or SIGTERM). */
export interface InterruptOptions {
  /** Told first, e.g. to say what stopping means and that a second Ctrl-C quits at once. */
  readonly onFirst?: (signal: NodeJS.Signals) => void;
  /** The abort reason `fn` sees (its error when it gives up); default an AbortError. */
  readonly reason?: (signal: NodeJS.Signals) => unknown;
}

/**
 * Run `fn` with an AbortSignal that the first Ctrl-C (or SIGTERM) aborts, so
 * a command can stop what it started (a build's step container, a stream
 * from the daemon) instead of Node's default exit leaving it behind. The
 * first signal also removes the handlers: a second Ctrl-C gets Node's
 * default again and quits at once. The handlers are removed after `fn` too.
 */
export async function untilInterrupted<T>(fn: (signal: AbortSignal) => Promise<T>, opts: InterruptOptions = {}): Promise<T> {
  const ac = new AbortController();
  const interrupt = (sig: NodeJS.Signals): void => {
    process.off("SIGINT", interrupt).off("SIGTERM", interrupt);
    opts.onFirst?.(sig);
    if (opts.reason === undefined) ac.abort();
    else ac.abort(opts.reason(sig));
  };
  process.on("SIGINT", interrupt).on("SIGTERM", interrupt);
  try {
    return await fn(ac.signal);
  } finally {
    process.off("SIGINT", interrupt).off("SIGTERM", interrupt);
  }
}
