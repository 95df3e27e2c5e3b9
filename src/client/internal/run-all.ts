import { setMaxListeners } from "node:events";
import { CancelledError } from "../errors.js";
import type { Limiter } from "./limit.js";

/**
 * Run `work` on every item, as many at once as `limit` lets. The first
 * failure cancels the rest (through the signal given to `work`), waits for
 * them to stop, so nothing is left writing, and is then thrown. An abort of
 * `parent` does the same and throws CancelledError.
 */
export async function runAll<T>(
  items: readonly T[],
  limit: Limiter,
  parent: AbortSignal | undefined,
  what: string,
  work: (item: T, signal: AbortSignal) => Promise<void>,
): Promise<void> {
  const ac = new AbortController();
  // Every transfer in flight (each with a request or two) listens on this one
  // signal; past ten Node warns of a leak that is not one.
  setMaxListeners(0, ac.signal);
  const onAbort = (): void => ac.abort(parent?.reason);
  if (parent?.aborted) onAbort();
  parent?.addEventListener("abort", onAbort, { once: true });
  let failure: { readonly error: unknown } | undefined;
  try {
    await Promise.all(items.map((item) => limit(async () => {
      if (ac.signal.aborted) return;
      try {
        await work(item, ac.signal);
      } catch (e) {
        if (failure === undefined && !parent?.aborted) {
          failure = { error: e };
          ac.abort(e);
        }
      }
    })));
  } finally {
    parent?.removeEventListener("abort", onAbort);
  }
  if (parent?.aborted) throw new CancelledError(what, parent.reason);
  if (failure !== undefined) throw failure.error;
}
