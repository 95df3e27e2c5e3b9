import { formatValue } from "../harness/table.js";
import { printBuildTable } from "./build-table.js";
import type { SideResult } from "./build-rounds.js";
import type { PartReport } from "./part-context.js";

const out = (l: string): void => void process.stdout.write(`${l}\n`);

/** `berth cold: 4.10 4.31 4.02 s` for each side and step, in round order. */
export function sampleLines(results: readonly SideResult[]): string[] {
  const lines: string[] = [];
  for (const r of results) {
    for (const [key, xs] of r.seconds) lines.push(`${r.name} ${key}: ${xs.map((x) => formatValue(x)).join(" ")} s`);
    if (r.seconds.size === 0) lines.push(`${r.name}: no build timed`);
  }
  return lines;
}

/** Print one part: what was built, the table, each round's times, the notes and what went wrong. */
export function printPartReport(report: PartReport): void {
  out(`\n${report.title}`);
  for (const l of report.setup) out(l);
  printBuildTable("results (medians over the rounds)", report.rows);
  out("each round:");
  for (const l of sampleLines(report.results)) out(`  ${l}`);
  if (report.notes.length > 0) out("notes:");
  for (const l of report.notes) out(`  ${l}`);
  if (report.problems.length > 0) out("PROBLEMS (the part is incomplete):");
  for (const l of report.problems) out(`  ${l}`);
}
