import { rotated } from "../pull/contender.js";
import { runDetachedRound, type DetachedRound } from "./detached-round.js";
import type { DetachedSide } from "./detached-sides.js";

/** A side of the detached part, or why it cannot run. */
export interface DetachedEntry {
  readonly name: string;
  readonly isBerth: boolean;
  readonly side: DetachedSide | undefined;
  readonly unavailable: string | undefined;
}

/** Every round of one side, or why there are none. */
export interface DetachedResult {
  readonly name: string;
  readonly isBerth: boolean;
  readonly rounds: readonly DetachedRound[];
  readonly problem: string | undefined;
}

/** Rounds, containers per round, time limit per round, and the stop switch. */
export interface DetachedPartPlan {
  readonly rounds: number;
  readonly containers: number;
  readonly roundTimeoutMs: number;
  readonly signal: AbortSignal;
}

const log = (line: string): void => void process.stderr.write(`${line}\n`);

/**
 * Remove whatever `side` still has (its listed containers and every id it ever started) with
 * `rm -f`; best effort, for after a failure and at cleanup.
 */
async function removeEverything(side: DetachedSide, started: ReadonlySet<string>): Promise<void> {
  const listed = await side.leftovers().catch(() => [] as string[]);
  const all = [...new Set([...listed, ...started])];
  if (all.length > 0) await side.remove(all).catch((err: unknown) => log(`${side.name} rm -f of ${all.length} containers: ${(err as Error).message}`));
}

/**
 * `rounds` rounds; in each, every available side in turn (the first alternating per round) runs
 * {@link runDetachedRound}. One engine's containers are all gone before the other's start, so
 * neither's memory reading sees the other's. A side that fails is cleaned up, reported and left
 * out of later rounds. The caller's cleanup removes what an engine lists, for a Ctrl-C or a crash.
 */
export async function measureDetached(entries: readonly DetachedEntry[], plan: DetachedPartPlan): Promise<DetachedResult[]> {
  const rounds = new Map<DetachedEntry, DetachedRound[]>(entries.map((e) => [e, []]));
  const problems = new Map<DetachedEntry, string>();
  const started = new Map<DetachedEntry, Set<string>>(entries.map((e) => [e, new Set<string>()]));
  for (const e of entries) if (e.side === undefined) problems.set(e, `not run: ${e.unavailable ?? "unavailable"}`);
  for (let round = 0; round < plan.rounds; round++) {
    for (const e of rotated(entries, round)) {
      if (problems.has(e) || e.side === undefined) continue;
      plan.signal.throwIfAborted();
      log(`detached round ${round + 1}/${plan.rounds}: ${e.name}, ${plan.containers} containers`);
      try {
        const r = await runDetachedRound(e.side, { containers: plan.containers, signal: plan.signal, timeoutMs: plan.roundTimeoutMs },
          (id) => started.get(e)!.add(id));
        rounds.get(e)!.push(r);
        log(`  start ${(r.startMs / 1000).toFixed(1)} s, stop ${(r.stopMs / 1000).toFixed(1)} s, rm ${(r.removeMs / 1000).toFixed(1)} s, ` +
          `monitor PSS ${(r.pssPerContainerKiB / 1024).toFixed(2)} MiB per container`);
      } catch (err) {
        plan.signal.throwIfAborted();
        problems.set(e, `failed in round ${round + 1}: ${(err as Error).message.trim().split("\n").slice(0, 6).join("\n    ")}`);
        log(`${e.name} failed in detached round ${round + 1}: ${(err as Error).message}`);
        await removeEverything(e.side, started.get(e)!);
      }
      started.get(e)!.clear();
    }
  }
  return entries.map((e) => ({ name: e.name, isBerth: e.isBerth, rounds: rounds.get(e)!, problem: problems.get(e) }));
}
