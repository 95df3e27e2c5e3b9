import { rotated } from "../pull/contender.js";
import { settleDisk } from "../registry/registry-loads.js";
import { timed } from "../harness/timing.js";

/** One timed build of a round: set up untimed, then timed. */
export interface TimedStep {
  /** Which row the time goes to: "cold", "warm", … */
  readonly key: string;
  /** Untimed, before the `sync`: fresh roots, the edited source line, removed images. */
  prepare?(): Promise<void>;
  /** The timed command; throws when it fails. */
  run(): Promise<void>;
}

/** berth or docker in one part: the steps of each round, in order. */
export interface BuildSide {
  readonly name: string;
  readonly isBerth: boolean;
  /** Why it cannot run here; undefined when it can. */
  readonly unavailable: string | undefined;
  steps(round: number): readonly TimedStep[];
}

/** Seconds per step key, in round order, or why the side stopped. */
export interface SideResult {
  readonly name: string;
  readonly isBerth: boolean;
  readonly seconds: ReadonlyMap<string, readonly number[]>;
  readonly problem: string | undefined;
}

/** How many rounds, the stop switch, and the time the part may take. */
export interface RoundPlan {
  readonly runs: number;
  readonly signal: AbortSignal;
  readonly timeoutMs: number;
}

const log = (line: string): void => void process.stderr.write(`${line}\n`);
const firstLines = (err: unknown): string => (err as Error).message.trim().split("\n").slice(0, 8).join("\n    ");

/**
 * `runs` rounds; in each, every side that still works runs its steps, the side that goes first
 * alternating per round. Each step: prepare, `sync` (so nobody pays for the other's writeback),
 * then the timed run. A side whose step fails is reported and left out of the rest; the other
 * goes on. Stops when `signal` aborts or after `timeoutMs` (then throws).
 */
export async function measureRounds(part: string, sides: readonly BuildSide[], plan: RoundPlan): Promise<SideResult[]> {
  const deadline = Date.now() + plan.timeoutMs;
  const seconds = new Map<BuildSide, Map<string, number[]>>(sides.map((s) => [s, new Map()]));
  const problems = new Map<BuildSide, string>();
  for (const s of sides) if (s.unavailable !== undefined) problems.set(s, `not run: ${s.unavailable}`);
  for (let round = 0; round < plan.runs; round++) {
    const line: string[] = [];
    for (const side of rotated(sides, round)) {
      for (const step of problems.has(side) ? [] : side.steps(round)) {
        plan.signal.throwIfAborted();
        if (Date.now() > deadline) throw new Error(`${part}: not done after ${plan.timeoutMs / 60_000} min`);
        try {
          await step.prepare?.();
          await settleDisk();
          const { ms } = await timed(() => step.run());
          const list = seconds.get(side)!.get(step.key) ?? [];
          list.push(ms / 1000);
          seconds.get(side)!.set(step.key, list);
          line.push(`${side.name} ${step.key} ${(ms / 1000).toFixed(2)} s`);
        } catch (err) {
          plan.signal.throwIfAborted();
          problems.set(side, `failed in round ${round + 1}, ${step.key}: ${firstLines(err)}`);
          line.push(`${side.name} ${step.key} FAILED`);
          log(`${part}: ${side.name} failed in round ${round + 1}, ${step.key}: ${(err as Error).message}`);
          break;
        }
      }
    }
    log(`${part} round ${round + 1}/${plan.runs}: ${line.join(" | ") || "nothing ran"}`);
  }
  return sides.map((s) => ({ name: s.name, isBerth: s.isBerth, seconds: seconds.get(s)!, problem: problems.get(s) }));
}
