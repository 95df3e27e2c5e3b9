import { setTimeout as sleep } from "node:timers/promises";
import type { SideTimes } from "./up-cold-start.js";
import { waitUntilReady, type ObservedReplica } from "./up-readiness.js";
import { briefError, type StackSide } from "./up-side.js";

/** Options for {@link measureRecovery}. */
export interface RecoveryOptions {
  readonly expected: Readonly<Record<string, number>>;
  /** The service whose replica is killed. */
  readonly service: string;
  readonly kills: number;
  readonly timeoutMs: number;
  readonly signal: AbortSignal;
  readonly log: (line: string) => void;
}

/** Quiet time after the stack is all healthy before a kill, so the last replacement's follow-ups (removals, events) are over. */
const SETTLE_MS = 3_000;
const DEPLOY_ATTEMPTS = 2;


/** The replica to kill in round `round`: the running, healthy replicas of `service` in id order, taken in turn. */
export function pickVictim(observed: readonly ObservedReplica[], service: string, round: number): ObservedReplica | undefined {
  const healthy = observed.filter((r) => r.service === service && r.running && (r.health === undefined || r.health === "healthy"))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return healthy.length === 0 ? undefined : healthy[round % healthy.length];
}

/**
 * `side.up()` until all healthy, untimed; once more after a `down` when that fails: on a loaded
 * machine a health check can time out during `up`, and berth's `up`, like docker-compose's,
 * then stops at the dependency gate. This is setup, not what the part measures.
 */
async function deploy(side: StackSide, opts: RecoveryOptions): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      const start = performance.now();
      await side.up();
      const ms = await waitUntilReady(() => side.observe(), start, { expected: opts.expected, timeoutMs: opts.timeoutMs, intervalMs: 250, signal: opts.signal });
      opts.log(`recovery: ${side.name}: the stack is up and healthy after ${(ms / 1000).toFixed(1)} s`);
      return;
    } catch (err) {
      opts.signal.throwIfAborted();
      if (attempt >= DEPLOY_ATTEMPTS) throw new Error(`deploy failed ${attempt} times, last: ${briefError(err)}`, { cause: err });
      opts.log(`recovery: ${side.name}: deploy failed (${briefError(err)}); down and once more`);
      await side.down();
    }
  }
}

/**
 * Deploy the stack once with `side.up()`, wait (untimed) until it is all healthy (a failed
 * deploy is retried once, see {@link deploy}), then `kills`
 * times: pick a replica of the service, read its main process's pid, `kill -9` it from the
 * host, and time until the service is back to its full count of running, healthy replicas
 * without the killed container (the engine must have made a new one). `side.down()` runs at
 * the end whatever happened. A failed round ends the side (its problems say why): the stack
 * may not be whole any more.
 */
export async function measureRecovery(side: StackSide, opts: RecoveryOptions): Promise<SideTimes> {
  const result: SideTimes = { name: side.name, seconds: [], problems: [] };
  const observe = (): Promise<ObservedReplica[]> => side.observe();
  try {
    await deploy(side, opts);
    for (let round = 0; round < opts.kills; round++) {
      await sleep(SETTLE_MS, undefined, { signal: opts.signal });
      await waitUntilReady(observe, performance.now(), { expected: opts.expected, timeoutMs: opts.timeoutMs, intervalMs: 250, signal: opts.signal });
      const victim = pickVictim(await observe(), opts.service, round);
      if (victim === undefined) throw new Error(`no healthy replica of ${opts.service} to kill`);
      const pid = await side.pidOf(victim.id);
      const known = new Set((await observe()).map((r) => r.id));
      const killedAt = performance.now();
      let replacedAt: number | undefined;
      // Also note when a new container of the service is first seen running: the rest is its health check.
      const watch = async (): Promise<ObservedReplica[]> => {
        const seen = await observe();
        if (replacedAt === undefined && seen.some((r) => r.service === opts.service && r.running && !known.has(r.id))) replacedAt = performance.now() - killedAt;
        return seen;
      };
      process.kill(pid, "SIGKILL");
      const back = await waitUntilReady(watch, killedAt, { expected: opts.expected, excluded: new Set([victim.id]), timeoutMs: opts.timeoutMs, signal: opts.signal });
      result.seconds.push(back / 1000);
      const running = replacedAt === undefined ? "" : ` (a new one running after ${(replacedAt / 1000).toFixed(2)} s)`;
      opts.log(`recovery ${round + 1}/${opts.kills}: ${side.name}: kill -9 ${pid} (${opts.service} ${victim.id.slice(0, 12)}) → all healthy again in ${(back / 1000).toFixed(2)} s${running}`);
    }
  } catch (err) {
    opts.signal.throwIfAborted();
    const problem = `after ${result.seconds.length} of ${opts.kills} kills: ${briefError(err)}`;
    result.problems.push(problem);
    opts.log(`recovery: ${side.name}: ${problem}`);
  } finally {
    await side.down().catch((err: unknown) => {
      result.problems.push(`down failed: ${briefError(err)}`);
    });
  }
  return result;
}
