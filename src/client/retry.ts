import { CancelledError } from "./errors.js";

/** How hard to try again after a failure that may pass (a reset, a 503). */
export interface RetryOptions {
  /** Further attempts after the first; default 4. 0 turns retries off. */
  readonly retries?: number;
  /** Delay before the first retry, doubled each time (with jitter); default 250 ms. */
  readonly baseDelayMs?: number;
  /** Longest delay between attempts, also the cap on a server's Retry-After; default 10 000 ms. */
  readonly maxDelayMs?: number;
}

/** RetryOptions with every default filled in. */
export type RetryPolicy = Required<RetryOptions>;

/** Statuses that say "not now" rather than "no": timeouts, rate limits, server and gateway errors. */
const RETRYABLE_STATUS = new Set([408, 429, 500, 502, 503, 504]);

export const isRetryableStatus = (status: number): boolean => RETRYABLE_STATUS.has(status);

export function retryPolicy(opts: RetryOptions = {}): RetryPolicy {
  return {
    retries: Math.max(0, Math.floor(opts.retries ?? 4)),
    baseDelayMs: Math.max(0, opts.baseDelayMs ?? 250),
    maxDelayMs: Math.max(0, opts.maxDelayMs ?? 10_000),
  };
}

/**
 * The wait before retry number `attempt` (1 for the first): exponential with
 * "equal jitter" (half fixed, half random), so many clients that failed
 * together do not come back together. A server's Retry-After (seconds or an
 * HTTP date) is honoured up to maxDelayMs.
 */
export function retryDelay(attempt: number, policy: RetryPolicy, retryAfter?: string, random: () => number = Math.random): number {
  const fromServer = parseRetryAfter(retryAfter);
  if (fromServer !== undefined) return Math.min(fromServer, policy.maxDelayMs);
  const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(attempt - 1, 20));
  return Math.round(exp / 2 + (random() * exp) / 2);
}

function parseRetryAfter(v: string | undefined): number | undefined {
  if (v === undefined || v.trim() === "") return undefined;
  if (/^\d+$/.test(v.trim())) return Number(v.trim()) * 1000;
  const when = Date.parse(v);
  return Number.isNaN(when) ? undefined : Math.max(0, when - Date.now());
}

/** Wait `ms`, or throw CancelledError as soon as `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal | undefined, what: string): Promise<void> {
  if (signal?.aborted) return Promise.reject(new CancelledError(what, signal.reason));
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new CancelledError(what, signal?.reason));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
