import { bytesSize, humanSizeWithPrecision } from "./go-units.js";
import { formatGoFloat } from "./go-float.js";
import type { CgroupStats } from "./read-cgroup-stats.js";

/** The columns of `docker stats`, in its order. */
export const STATS_COLUMNS = ["CONTAINER ID", "NAME", "CPU %", "MEM USAGE / LIMIT", "MEM %", "NET I/O", "BLOCK I/O", "PIDS"] as const;

/** The counters a stats row shows. */
export type StatsRowCounters = Pick<CgroupStats, "memoryUsage" | "memoryLimit" | "netRx" | "netTx" | "blockRead" | "blockWrite" | "pidsCurrent">;

/** One container's row. */
export interface StatsRow {
  /** The container id; the first 12 characters are shown. */
  readonly id: string;
  /** The container name; `--` when empty (a leading "/", docker's own, is dropped). */
  readonly name: string;
  /** From {@link cpuPercent}. */
  readonly cpuPercent: number;
  /** The reading (NOT_RUNNING_STATS for a stopped container), or undefined when it failed: the row then shows `--` as docker's does. */
  readonly stats: StatsRowCounters | undefined;
}

/**
 * The cells of one `docker stats` row, in {@link STATS_COLUMNS} order, with
 * docker's formats: `%.2f%%` for the percentages, binary units for memory
 * ("1.5MiB / 7.667GiB"), decimal units at 3 digits for I/O ("1.2kB / 0B").
 * MEM % is usage over limit (0 with no limit).
 */
export function formatStatsRow(row: StatsRow): string[] {
  const id = row.id.slice(0, 12);
  const name = row.name.replace(/^\//, "") || "--";
  const s = row.stats;
  if (s === undefined) return [id, name, "--", "-- / --", "--", "--", "--", "--"];
  const memPercent = s.memoryLimit > 0 ? (s.memoryUsage / s.memoryLimit) * 100 : 0;
  const io = (a: number, b: number): string => `${humanSizeWithPrecision(a, 3)} / ${humanSizeWithPrecision(b, 3)}`;
  return [
    id,
    name,
    `${formatGoFloat(row.cpuPercent, "f", 2)}%`,
    `${bytesSize(s.memoryUsage)} / ${bytesSize(s.memoryLimit)}`,
    `${formatGoFloat(memPercent, "f", 2)}%`,
    io(s.netRx, s.netTx),
    io(s.blockRead, s.blockWrite),
    String(s.pidsCurrent),
  ];
}
