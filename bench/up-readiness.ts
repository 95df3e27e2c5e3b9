import { setTimeout as sleep } from "node:timers/promises";

/** One container of a stack as a side observes it. */
export interface ObservedReplica {
  readonly service: string;
  /** The container id: a replaced replica has a new one, even when it keeps its name. */
  readonly id: string;
  readonly running: boolean;
  /** Undefined when the container has no health check. */
  readonly health: "starting" | "healthy" | "unhealthy" | undefined;
}

/** Whether the stack is all up, and per service how far it is (for progress lines and failures). */
export interface Readiness {
  readonly ready: boolean;
  /** `catalog 3/4 (1 starting), cart 4/4, …`: healthy-and-running / expected per service. */
  readonly summary: string;
}

/**
 * Judge `observed` against `expected` replicas per service (pure): ready when every service has
 * at least its expected count of running containers that are healthy (or have no check), not
 * counting the `excluded` ids — a killed replica that its engine has not noticed yet still
 * looks running and healthy, so the recovery part excludes it and waits for a new one.
 */
export function readiness(observed: readonly ObservedReplica[], expected: Readonly<Record<string, number>>, excluded: ReadonlySet<string> = new Set()): Readiness {
  const parts: string[] = [];
  let ready = true;
  for (const [service, want] of Object.entries(expected)) {
    const mine = observed.filter((r) => r.service === service && !excluded.has(r.id));
    const up = mine.filter((r) => r.running && (r.health === undefined || r.health === "healthy")).length;
    const starting = mine.filter((r) => r.running && r.health === "starting").length;
    const unhealthy = mine.filter((r) => r.running && r.health === "unhealthy").length;
    if (up < want) ready = false;
    const notes = [starting > 0 ? `${starting} starting` : "", unhealthy > 0 ? `${unhealthy} unhealthy` : ""].filter((n) => n !== "");
    parts.push(`${service} ${up}/${want}${notes.length > 0 ? ` (${notes.join(", ")})` : ""}`);
  }
  return { ready, summary: parts.join(", ") };
}

/** Options for {@link waitUntilReady}. */
export interface WaitOptions {
  readonly expected: Readonly<Record<string, number>>;
  readonly excluded?: ReadonlySet<string>;
  /** Fail after this long, naming what was not ready. */
  readonly timeoutMs: number;
  /** Pause between observations; default 100 ms. */
  readonly intervalMs?: number;
  /** Also wait for this (e.g. the `up` command to exit); it is checked with the readiness. */
  readonly alsoDone?: () => boolean;
  readonly signal?: AbortSignal;
}

/**
 * Observe until {@link readiness} says ready (and `alsoDone`, if given), bounded by `timeoutMs`;
 * resolve with the ms from `since` (a `performance.now()` value) to the observation that saw it.
 * An observation that throws is retried until the deadline (an engine mid-change may answer
 * with an error); the timeout's error names the last summary and the last such error.
 */
export async function waitUntilReady(observe: () => Promise<readonly ObservedReplica[]>, since: number, opts: WaitOptions): Promise<number> {
  const deadline = since + opts.timeoutMs;
  let last: Readiness = { ready: false, summary: "not observed yet" };
  let lastError: string | undefined;
  for (let i = 0; i < 1_000_000; i++) {
    opts.signal?.throwIfAborted();
    try {
      last = readiness(await observe(), opts.expected, opts.excluded);
      lastError = undefined;
    } catch (err) {
      lastError = (err as Error).message.split("\n")[0];
    }
    const now = performance.now();
    if (last.ready && (opts.alsoDone?.() ?? true)) return now - since;
    if (now >= deadline) break;
    await sleep(opts.intervalMs ?? 100);
  }
  const pending = last.ready ? "all healthy, but the up command had not exited" : last.summary;
  throw new Error(`not all healthy within ${opts.timeoutMs / 1000} s: ${pending}${lastError === undefined ? "" : `; last observation failed: ${lastError}`}`);
}
