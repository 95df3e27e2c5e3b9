import { readFileSync } from "node:fs";

// USER_HZ, the unit of /proc/stat, is 100 on every Linux architecture node runs on.
const MS_PER_TICK = 10;

/**
 * Milliseconds of CPU spent by the whole machine (all cores, all processes: the tool, its
 * daemons, the kernel) since boot, from the first line of /proc/stat: user, nice, system, irq,
 * softirq and steal; idle and iowait left out. Read before and after a run, the difference is
 * what the run cost the machine, including work a daemon or a forked monitor did for it.
 * Read synchronously so that no event-loop delay sits between the clock and the sample.
 */
export function machineCpuMs(stat = readFileSync("/proc/stat", "utf8")): number {
  const line = stat.split("\n", 1)[0] ?? "";
  const f = line.trim().split(/\s+/);
  if (f[0] !== "cpu" || f.length < 9 || !f.slice(1, 9).every((v) => /^\d{1,18}$/.test(v))) {
    throw new Error(`/proc/stat: first line is not the cpu total: "${line.slice(0, 80)}"`);
  }
  const [user, nice, system, , , irq, softirq, steal] = f.slice(1, 9).map(Number) as [number, number, number, number, number, number, number, number];
  return (user + nice + system + irq + softirq + steal) * MS_PER_TICK;
}
