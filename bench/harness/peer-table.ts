import { formatValue, ratioOf } from "./table.js";

/** One contender's median on a row; `value` undefined when it did not run (then `note` says why). */
export interface PeerValue {
  readonly name: string;
  readonly value: number | undefined;
  /** (max − min)/median over the runs. */
  readonly spread?: number;
  readonly note?: string;
}

/** A row where berth meets one or more peers; the ratio is taken against the best of them. */
export interface PeerTableRow {
  readonly label: string;
  readonly unit: string;
  /** "lower": ratio = best peer / berth (times). "higher": berth / best peer (throughput). */
  readonly better: "higher" | "lower";
  readonly target: number;
  readonly berth: PeerValue;
  readonly peers: readonly PeerValue[];
}

/** The peer with the best value on the row (the fastest, for times), or undefined when none ran. */
export function bestPeer(row: Pick<PeerTableRow, "better" | "peers">): PeerValue | undefined {
  const ran = row.peers.filter((p) => p.value !== undefined);
  const score = (p: PeerValue): number => (row.better === "higher" ? p.value! : -p.value!);
  return ran.reduce<PeerValue | undefined>((best, p) => (best === undefined || score(p) > score(best) ? p : best), undefined);
}

/** Ratio against the best peer where > 1 means berth did better; undefined when a side is missing. */
export const peerRatio = (row: PeerTableRow): number | undefined =>
  ratioOf({ berth: row.berth.value, peer: bestPeer(row)?.value, better: row.better });

const pct = (s: number | undefined): string => (s === undefined ? "-" : `${Math.round(s * 100)}%`);
const shown = (v: number | undefined): string => (v === undefined ? "n/a" : formatValue(v));

/**
 * Print the rows as a fixed-width table to stdout: berth, the best peer and its value, the other
 * peers, the ratio against the best one, target and status (ok, below, or n/a when a side is
 * missing), then the legend.
 */
export function printPeerTable(title: string, rows: readonly PeerTableRow[]): void {
  const header = ["row", "berth", "best peer", "", "other peers", "unit", "ratio", "target", "status", "spread b/best"];
  const lines = rows.map((r) => {
    const best = bestPeer(r);
    const ratio = peerRatio(r);
    const others = r.peers.filter((p) => p !== best).map((p) => `${p.name} ${shown(p.value)}`).join(", ");
    return [
      r.label,
      shown(r.berth.value),
      best?.name ?? "n/a",
      shown(best?.value),
      others === "" ? "-" : others,
      `${r.unit} (${r.better} is better)`,
      ratio === undefined ? "-" : `${ratio.toFixed(2)}x`,
      `>=${r.target.toFixed(2)}x`,
      ratio === undefined ? "n/a" : ratio >= r.target ? "ok" : "below",
      `${pct(r.berth.spread)}/${pct(best?.spread)}`,
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const leftAligned = new Set([0, 2, 4, 5]);
  const fmt = (cells: readonly string[]): string =>
    cells.map((c, i) => (leftAligned.has(i) ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ").trimEnd();
  process.stdout.write(`\n${title}\n${fmt(header)}\n${widths.map((w) => "-".repeat(w)).join("  ")}\n`);
  for (const l of lines) process.stdout.write(`${fmt(l)}\n`);
  process.stdout.write(
    "ratio > 1 = berth better, always against the best peer of the row: best/berth for lower-is-better rows, " +
      "berth/best for higher-is-better rows.\nspread = (max - min) / median over the runs, berth/best peer.\n",
  );
  for (const r of rows) {
    for (const p of [r.berth, ...r.peers]) if (p.note !== undefined) process.stdout.write(`  ${r.label}, ${p.name}: ${p.note}\n`);
  }
}
