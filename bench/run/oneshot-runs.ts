import { rotated } from "../pull/contender.js";
import { settleDisk } from "../registry/registry-loads.js";
import { timed } from "../harness/timing.js";
import type { OneShotSide } from "./oneshot-sides.js";
import { machineCpuMs } from "./system-cpu.js";

/** What one side's timed runs gave, or why they did not. */
export interface OneShotResult {
  readonly name: string;
  readonly isBerth: boolean;
  /** Wall time of each timed run, in order. */
  readonly wallMs: readonly number[];
  /** CPU of the whole machine (all cores, daemons included) during each run. */
  readonly cpuMs: readonly number[];
  /** Set when it did not run, failed, or left something behind. */
  readonly problem: string | undefined;
}

/** How many runs and how long the whole part may take. */
export interface OneShotPlan {
  readonly runs: number;
  readonly warmup: number;
  /** Aborted (Ctrl-C, cleanup started): no new run begins. */
  readonly signal: AbortSignal;
  /** The part gives up, with what it has, after this long. */
  readonly timeoutMs: number;
}

const log = (line: string): void => void process.stderr.write(`${line}\n`);
const firstLines = (err: unknown): string => (err as Error).message.trim().split("\n").slice(0, 6).join("\n    ");

/**
 * Per side: the exit-code check, then `warmup` untimed runs. Then `runs` rounds; in each, every
 * side once, in an order that rotates per round (so none always follows the same neighbour), each
 * after a `sync` and the previous run's background work (untimed, OneShotSide.settled). A side that fails is reported and left out of the rest; the others go
 * on. At the end each side's leftovers are checked. Bounded by `runs` and by `timeoutMs`.
 */
export async function measureOneShot(sides: readonly OneShotSide[], plan: OneShotPlan): Promise<OneShotResult[]> {
  const deadline = Date.now() + plan.timeoutMs;
  const wall = new Map<OneShotSide, number[]>(sides.map((s) => [s, []]));
  const cpu = new Map<OneShotSide, number[]>(sides.map((s) => [s, []]));
  const problems = new Map<OneShotSide, string>();
  for (const s of sides) if (s.unavailable !== undefined) problems.set(s, `not run: ${s.unavailable}`);
  const attempt = async (s: OneShotSide, what: string, fn: () => Promise<void>): Promise<void> => {
    if (problems.has(s)) return;
    plan.signal.throwIfAborted();
    if (Date.now() > deadline) throw new Error(`run --rm part: not done after ${plan.timeoutMs} ms`);
    try {
      await fn();
    } catch (err) {
      plan.signal.throwIfAborted();
      problems.set(s, `failed in ${what}: ${firstLines(err)}`);
      log(`${s.name} failed in ${what}: ${(err as Error).message}`);
    }
  };
  for (const s of sides) {
    await attempt(s, "the exit-code check", () => s.check());
    for (let i = 0; i < plan.warmup; i++) await attempt(s, `warm-up ${i + 1}`, async () => {
      await s.once();
      await s.settled?.();
    });
  }
  for (let run = 0; run < plan.runs; run++) {
    const line: string[] = [];
    for (const s of rotated(sides, run)) {
      await attempt(s, `run ${run + 1}`, async () => {
        await settleDisk();
        const cpu0 = machineCpuMs();
        const { ms } = await timed(() => s.once());
        cpu.get(s)!.push(machineCpuMs() - cpu0);
        wall.get(s)!.push(ms);
        line.push(`${s.name} ${ms.toFixed(0)} ms`);
        await s.settled?.();
      });
    }
    if ((run + 1) % 5 === 0 || run + 1 === plan.runs) log(`run --rm ${run + 1}/${plan.runs}: ${line.join(" | ") || "nothing ran"}`);
  }
  for (const s of sides) await attempt(s, "the leftover check", () => s.leftovers());
  return sides.map((s) => ({ name: s.name, isBerth: s.isBerth, wallMs: wall.get(s)!, cpuMs: cpu.get(s)!, problem: problems.get(s) }));
}
