import { settleDisk } from "../registry/registry-loads.js";
import { median, spread } from "../harness/stats.js";
import { timed } from "../harness/timing.js";

/** One cold attempt of one contender: made by {@link Contender.prepare}, used once. */
export interface Attempt {
  /** The timed part. Throws when the tool fails. */
  execute(): Promise<void>;
  /** Untimed, after `execute`: throws unless the result is complete (every file, every blob). */
  verify(): Promise<void>;
  /** Untimed: remove what the attempt made (dirs, images, its registry). Safe after a failure. */
  dispose(): Promise<void>;
}

/** A tool on one row of the table: berth or a peer. */
export interface Contender {
  /** "berth", "skopeo + umoci", "docker pull". */
  readonly name: string;
  readonly isBerth: boolean;
  /** Why it cannot run on this machine (a tool or a berth command missing); undefined when it can. */
  readonly unavailable: string | undefined;
  /** Untimed set-up of attempt `run` from nothing: fresh dirs, an empty registry, no cached image. */
  prepare(run: number): Promise<Attempt>;
}

/** Seconds per run of one contender, or why there are none. */
export interface ContenderResult {
  readonly name: string;
  readonly isBerth: boolean;
  readonly seconds: readonly number[];
  /** Set when it did not run or failed; the message says which. */
  readonly problem: string | undefined;
}

/** Median and spread of a result; undefined when it has no complete run set. */
export const medianOf = (r: ContenderResult, runs: number): { value: number; spread: number } | undefined =>
  r.problem === undefined && r.seconds.length === runs ? { value: median([...r.seconds]), spread: spread([...r.seconds]) } : undefined;

const log = (line: string): void => void process.stderr.write(`${line}\n`);

/** The list rotated left by `by`: with two sides it alternates, with three each goes first once per three runs. */
export const rotated = <T>(list: readonly T[], by: number): T[] => list.map((_, i) => list[(i + by) % list.length]!);

/**
 * Run `runs` rounds of the row. Each round, every available contender in rotated order: prepare,
 * `sync` (so nobody pays for another's writeback), time `execute`, then verify and dispose
 * untimed. A contender that fails is reported and left out of the rest of the row; the others
 * go on. Dispose runs even when execute or verify threw.
 */
export async function measureRow(row: string, contenders: readonly Contender[], runs: number): Promise<ContenderResult[]> {
  const seconds = new Map<Contender, number[]>(contenders.map((c) => [c, []]));
  const problems = new Map<Contender, string>();
  for (const c of contenders) if (c.unavailable !== undefined) problems.set(c, `not run: ${c.unavailable}`);
  for (let run = 0; run < runs; run++) {
    const line: string[] = [];
    for (const c of rotated(contenders, run)) {
      if (problems.has(c)) continue;
      try {
        const s = await attemptOnce(c, run);
        seconds.get(c)!.push(s);
        line.push(`${c.name} ${s.toFixed(2)} s`);
      } catch (err) {
        const message = (err as Error).message.trim().split("\n").slice(0, 6).join("\n    ");
        problems.set(c, `failed in run ${run + 1}: ${message}`);
        line.push(`${c.name} FAILED`);
        log(`${row}: ${c.name} failed in run ${run + 1}: ${(err as Error).message}`);
      }
    }
    log(`${row} run ${run + 1}/${runs}: ${line.join(" | ") || "nothing ran"}`);
  }
  return contenders.map((c) => ({ name: c.name, isBerth: c.isBerth, seconds: seconds.get(c)!, problem: problems.get(c) }));
}

async function attemptOnce(c: Contender, run: number): Promise<number> {
  const attempt = await c.prepare(run);
  try {
    await settleDisk();
    const { ms } = await timed(() => attempt.execute());
    await attempt.verify();
    return ms / 1000;
  } finally {
    await attempt.dispose();
  }
}
