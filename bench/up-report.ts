import { printPeerTable, type PeerTableRow, type PeerValue } from "./harness/peer-table.js";
import { median, spread } from "./harness/stats.js";
import { formatValue } from "./harness/table.js";
import type { SideTimes } from "./up-cold-start.js";

/** What one run of the up bench found, ready to print. */
export interface UpReport {
  /** Setup lines: versions, images, how berth kept the stack, the load. */
  readonly setup: readonly string[];
  readonly replicas: number;
  /** The up part: berth and docker-compose; empty when the part did not run. */
  readonly up: readonly SideTimes[];
  /** The recovery part: berth and docker swarm; empty when it did not run. */
  readonly recovery: readonly SideTimes[];
  readonly killed: string;
  readonly notes: readonly string[];
}

const out = (l: string): void => void process.stdout.write(`${l}\n`);

/** A side's median and spread over the rounds it completed (n/a when none), its problems as the note. */
export function peerValue(s: SideTimes | undefined, fallbackName: string): PeerValue {
  if (s === undefined) return { name: fallbackName, value: undefined, note: "not run" };
  const measured = s.seconds.length > 0;
  const note = s.problems.length === 0 ? undefined : `${s.seconds.length} round(s) measured, ${s.problems.length} failed: ${s.problems.join("; ")}`;
  return {
    name: s.name,
    value: measured ? median(s.seconds) : undefined,
    ...(measured && { spread: spread(s.seconds) }),
    ...(note !== undefined && { note }),
  };
}

/** The table's rows: up against docker-compose (berth ≤ 1.0×), recovery against swarm (berth ≤ 0.5×, i.e. swarm/berth ≥ 2). */
export function upRows(report: Pick<UpReport, "up" | "recovery" | "replicas" | "killed">): PeerTableRow[] {
  const rows: PeerTableRow[] = [];
  const find = (list: readonly SideTimes[], name: string): SideTimes | undefined => list.find((s) => s.name === name);
  if (report.up.length > 0) {
    rows.push({
      label: `up → all ${report.replicas} healthy`, unit: "s", better: "lower", target: 1,
      berth: peerValue(find(report.up, "berth"), "berth"), peers: [peerValue(find(report.up, "docker-compose"), "docker-compose")],
    });
  }
  if (report.recovery.length > 0) {
    rows.push({
      label: `kill -9 ${report.killed} → healthy`, unit: "s", better: "lower", target: 2,
      berth: peerValue(find(report.recovery, "berth"), "berth"), peers: [peerValue(find(report.recovery, "docker swarm"), "docker swarm")],
    });
  }
  return rows;
}

/** Print the setup, the table (medians), each round's seconds and the notes. */
export function printUpReport(report: UpReport): void {
  out("\nup: the shop stack (examples/shop), cold start and recovery after kill -9");
  for (const l of report.setup) out(`  ${l}`);
  printPeerTable("results (medians; target: up <= 1.0x docker-compose, recovery <= 0.5x swarm, i.e. ratio >= 2)", upRows(report));
  out("each round:");
  for (const [part, sides] of [["up", report.up], ["recovery", report.recovery]] as const) {
    for (const s of sides) {
      const returned = s.commandSeconds !== undefined && s.commandSeconds.length > 0 ? ` (command returned after ${s.commandSeconds.map((x) => formatValue(x)).join(" ")} s)` : "";
      out(`  ${part} ${s.name}: ${s.seconds.length === 0 ? "-" : s.seconds.map((x) => formatValue(x)).join(" ")} s${returned}${s.problems.length === 0 ? "" : `, ${s.problems.length} failed`}`);
    }
  }
  if (report.notes.length > 0) out("notes:");
  for (const l of report.notes) out(`  ${l}`);
}

/** True when every side that should have run measured every round (none failed). */
export const isComplete = (report: Pick<UpReport, "up" | "recovery">): boolean =>
  [...report.up, ...report.recovery].every((s) => s.problems.length === 0 && s.seconds.length > 0);
