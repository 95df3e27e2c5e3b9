import { readSmallFile } from "./cgroup-file.js";
import { CgroupFormatError } from "./errors.js";

/**
 * USER_HZ, the unit of /proc/stat and /proc/<pid>/stat times. The kernel
 * fixes it at 100 on every architecture Linux exports it for (moby and
 * procps assume the same); Node offers no sysconf to ask.
 */
export const CLOCK_TICKS_PER_SECOND = 100;

/** The host's CPU time and CPU count at one moment, as docker's daemon reads them. */
export interface SystemCpu {
  /** user+nice+system+idle+iowait+irq+softirq of all CPUs, in nanoseconds. */
  readonly systemCpuNs: number;
  /** The number of `cpuN` lines (online CPUs). */
  readonly onlineCpus: number;
}

/** One reading of a container's CPU counter together with the host's (what {@link cpuPercent} compares). */
export interface CpuSample extends SystemCpu {
  /** The cgroup's total CPU time, in nanoseconds. */
  readonly cpuUsageNs: number;
}

/**
 * Parse /proc/stat as moby's `getSystemCPUUsage`: the first 7 fields of the
 * `cpu` line (steal, guest are left out), ticks → ns, and the count of
 * `cpuN` lines. Throws {@link CgroupFormatError} when the `cpu` line is
 * missing or short.
 */
export function parseSystemCpu(text: string, file = "/proc/stat"): SystemCpu {
  let ticks: bigint | undefined;
  let onlineCpus = 0;
  for (const line of text.split("\n")) {
    const parts = line.trim().split(/\s+/);
    if (parts[0] === "cpu") {
      const fields = parts.slice(1, 8);
      if (fields.length < 7 || !fields.every((f) => /^\d{1,20}$/.test(f))) throw new CgroupFormatError(file, `the cpu line needs 7 counters, got ${JSON.stringify(line.slice(0, 120))}`);
      ticks = fields.reduce((sum, f) => sum + BigInt(f), 0n);
    } else if (/^cpu\d+$/.test(parts[0] ?? "")) {
      onlineCpus++;
    }
  }
  if (ticks === undefined) throw new CgroupFormatError(file, "no cpu line");
  return { systemCpuNs: Number((ticks * 1_000_000_000n) / BigInt(CLOCK_TICKS_PER_SECOND)), onlineCpus };
}

/** The host's CPU time now, from `<procRoot>/stat` (default /proc). */
export async function systemCpuNs(procRoot = "/proc"): Promise<SystemCpu> {
  const file = `${procRoot}/stat`;
  const text = await readSmallFile(file);
  if (text === undefined) throw new CgroupFormatError(file, "missing");
  return parseSystemCpu(text, file);
}

/**
 * docker's CPU %: the container's CPU time over the host's between two
 * samples, times the online CPUs, so one busy core shows 100% and the
 * maximum is 100 × CPUs. 0 when either delta is not positive (first
 * sample, counter reset, same moment).
 */
export function cpuPercent(prev: CpuSample, cur: CpuSample): number {
  const cpuDelta = cur.cpuUsageNs - prev.cpuUsageNs;
  const systemDelta = cur.systemCpuNs - prev.systemCpuNs;
  if (!(cpuDelta > 0 && systemDelta > 0)) return 0;
  return (cpuDelta / systemDelta) * cur.onlineCpus * 100;
}
