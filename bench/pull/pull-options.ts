import { parseArgs } from "node:util";
import { PLAN_MIB } from "./layer-plan.js";

/** The rows the bench can run, in table order. */
export const PULL_ROWS = ["pull", "push", "copy"] as const;
export type PullRowId = (typeof PULL_ROWS)[number];

/** Flags of `run.js pull`. */
export interface PullBenchOptions {
  /** Runs per contender and row; the table shows the median. */
  readonly runs: number;
  /** About this many MiB of file content in the image; 300 for the published numbers. */
  readonly mib: number;
  readonly rows: readonly PullRowId[];
}

export const PULL_USAGE = `usage: node dist/bench/run.js pull [--runs N] [--mib N] [--rows pull,push,copy]
  --runs N      runs per row and contender, median reported (default 3)
  --mib N       image size: about N MiB of file content in 10 layers, 40 to 4096 (default ${PLAN_MIB});
                the 4,420 small files (28 MiB) stay, the big ones shrink or grow
  --rows LIST   rows to run, comma-separated, from pull, push, copy (default all)`;

const MIN_MIB = 40;
const MAX_MIB = 4096;

function positiveInt(flag: string, v: string | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(n) || n < 1) throw new Error(`${flag}: "${v}" is not a positive integer`);
  return n;
}

const isRow = (s: string): s is PullRowId => (PULL_ROWS as readonly string[]).includes(s);

/** Parse the flags; throws a message naming the flag on bad input. */
export function parsePullBenchOptions(args: readonly string[]): PullBenchOptions {
  const { values } = parseArgs({
    args: [...args],
    options: { runs: { type: "string" }, mib: { type: "string" }, rows: { type: "string" } },
    strict: true,
    allowPositionals: false,
  });
  const mib = positiveInt("--mib", values.mib, PLAN_MIB);
  if (mib < MIN_MIB || mib > MAX_MIB) throw new Error(`--mib: ${mib} is outside ${MIN_MIB}..${MAX_MIB}`);
  const rows: PullRowId[] = [];
  for (const r of (values.rows ?? PULL_ROWS.join(",")).split(",").map((s) => s.trim())) {
    if (!isRow(r)) throw new Error(`--rows: "${r}" is not one of ${PULL_ROWS.join(", ")}`);
    if (!rows.includes(r)) rows.push(r);
  }
  return { runs: positiveInt("--runs", values.runs, 3), mib, rows: PULL_ROWS.filter((r) => rows.includes(r)) };
}
