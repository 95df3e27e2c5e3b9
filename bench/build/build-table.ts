import { median, spread } from "../harness/stats.js";
import { formatValue } from "../harness/table.js";
import type { SideResult } from "./build-rounds.js";

/** One row of a part's table: berth against docker, lower is better on every row. */
export interface BuildRow {
  readonly label: string;
  readonly unit: string;
  readonly berth: number | undefined;
  readonly docker: number | undefined;
  /** (max − min)/median over the rounds, per side; absent for one-off values (sizes). */
  readonly spread?: { readonly berth?: number; readonly docker?: number };
  /** Least docker/berth to meet the target; undefined when the issue sets none for the row. */
  readonly target: number | undefined;
}

/** docker/berth: above 1, berth took less time or space. Undefined when a side has no value. */
export function buildRatio(row: Pick<BuildRow, "berth" | "docker">): number | undefined {
  if (row.berth === undefined || row.docker === undefined || row.berth <= 0 || row.docker <= 0) return undefined;
  return row.docker / row.berth;
}

/** "met" or "missed" against the target, "n/a" when a side is missing, "-" when there is no target. */
export function buildStatus(row: BuildRow): "met" | "missed" | "n/a" | "-" {
  const r = buildRatio(row);
  if (r === undefined) return "n/a";
  if (row.target === undefined) return "-";
  return r >= row.target ? "met" : "missed";
}

export const BUILD_HEADER = ["row", "berth", "docker", "unit", "ratio d/b", "target", "status", "spread b/d"] as const;

const pct = (s: number | undefined): string => (s === undefined ? "-" : `${Math.round(s * 100)}%`);

/** The row as the table's cells, in {@link BUILD_HEADER}'s order. */
export function buildRowCells(row: BuildRow): string[] {
  const r = buildRatio(row);
  const shown = (v: number | undefined): string => (v === undefined ? "n/a" : formatValue(v));
  return [
    row.label,
    shown(row.berth),
    shown(row.docker),
    row.unit,
    r === undefined ? "-" : `${r.toFixed(2)}x`,
    row.target === undefined ? "none" : `>=${row.target.toFixed(2)}x`,
    buildStatus(row),
    row.spread === undefined ? "-" : `${pct(row.spread.berth)}/${pct(row.spread.docker)}`,
  ];
}

/** A side's median and spread of step `key`, or undefined when it failed or has no sample. */
export function sideMedian(side: SideResult | undefined, key: string): { value: number; spread: number } | undefined {
  const xs = side?.seconds.get(key);
  if (side === undefined || side.problem !== undefined || xs === undefined || xs.length === 0) return undefined;
  return { value: median(xs), spread: spread(xs) };
}

/** A time row from the two sides' results: berth's step `berthKey` against docker's `dockerKey`. */
export function timeRow(label: string, results: readonly SideResult[], keys: { berth: string; docker: string }, target: number | undefined): BuildRow {
  const b = sideMedian(results.find((r) => r.isBerth), keys.berth);
  const d = sideMedian(results.find((r) => !r.isBerth), keys.docker);
  return { label, unit: "s", berth: b?.value, docker: d?.value, spread: { berth: b?.spread, docker: d?.spread }, target };
}

/** Print the rows as a fixed-width table to stdout with its legend. */
export function printBuildTable(title: string, rows: readonly BuildRow[]): void {
  const lines = rows.map(buildRowCells);
  const widths = BUILD_HEADER.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const left = new Set([0, 3, 5, 6]);
  const fmt = (cells: readonly string[]): string =>
    cells.map((c, i) => (left.has(i) ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ").trimEnd();
  process.stdout.write(`\n${title}\n${fmt(BUILD_HEADER)}\n${widths.map((w) => "-".repeat(w)).join("  ")}\n`);
  for (const l of lines) process.stdout.write(`${fmt(l)}\n`);
  process.stdout.write("ratio d/b = docker / berth on every row (times and sizes: lower is better), so > 1 = berth better; " +
    "target = least ratio; spread = (max - min) / median over the rounds, berth/docker.\n");
}
