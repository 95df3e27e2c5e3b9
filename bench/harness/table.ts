/** One measured row: medians per side and what counts as better. */
export interface TableRow {
  readonly label: string;
  readonly unit: string;
  /** "higher": ratio = berth/peer (throughput). "lower": ratio = peer/berth (latency). */
  readonly better: "higher" | "lower";
  /** Medians; undefined when that side did not run. */
  readonly berth: number | undefined;
  readonly peer: number | undefined;
  /** Minimum ratio to pass; the row says ok or below. */
  readonly target: number;
  /** (max − min)/median per side, shown so noisy rows stand out. */
  readonly spread?: { readonly berth?: number; readonly peer?: number };
}

/** Ratio where >1 always means berth did better; undefined when a side is missing. */
export function ratioOf(row: Pick<TableRow, "berth" | "peer" | "better">): number | undefined {
  if (row.berth === undefined || row.peer === undefined || row.berth === 0 || row.peer === 0) return undefined;
  return row.better === "higher" ? row.berth / row.peer : row.peer / row.berth;
}

/** Three significant digits or so, without exponent. */
export function formatValue(v: number | undefined): string {
  if (v === undefined || !Number.isFinite(v)) return "-";
  const a = Math.abs(v);
  return v.toFixed(a >= 100 ? 0 : a >= 10 ? 1 : a >= 1 ? 2 : 3);
}

const pct = (s: number | undefined): string => (s === undefined ? "-" : `${Math.round(s * 100)}%`);

/**
 * Print the rows as a fixed-width table to stdout, then the legend: ratio > 1 means berth is
 * better in both directions, and how each row's ratio was computed.
 */
export function printTable(title: string, rows: readonly TableRow[], peerName: string): void {
  const header = ["row", "berth", peerName, "unit", "ratio", "target", "status", "spread b/p"];
  const lines = rows.map((r) => {
    const ratio = ratioOf(r);
    const status = ratio === undefined ? "n/a" : ratio >= r.target ? "ok" : "below";
    return [
      r.label,
      formatValue(r.berth),
      formatValue(r.peer),
      `${r.unit} (${r.better} is better)`,
      ratio === undefined ? "-" : `${ratio.toFixed(2)}x`,
      `>=${r.target.toFixed(1)}x`,
      status,
      `${pct(r.spread?.berth)}/${pct(r.spread?.peer)}`,
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const fmt = (cells: readonly string[]): string =>
    cells.map((c, i) => (i === 0 || i === 3 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  process.stdout.write(`\n${title}\n${fmt(header)}\n${widths.map((w) => "-".repeat(w)).join("  ")}\n`);
  for (const l of lines) process.stdout.write(`${fmt(l)}\n`);
  process.stdout.write(
    `ratio > 1 = berth better: berth/${peerName} for higher-is-better rows, ${peerName}/berth for lower-is-better rows.\n` +
      "spread = (max - min) / median over the runs, berth/peer.\n",
  );
}
