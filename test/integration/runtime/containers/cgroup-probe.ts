import { readFile } from "node:fs/promises";
import { join } from "node:path";

/**
 * Read a container's cgroup from the host, the way an operator would: find
 * the process's cgroup in /proc/PID/cgroup and the controller's mount in
 * /proc/self/mountinfo. Works on cgroup v1 (a mount per controller, as on the
 * CI machine) and v2 (one unified mount), so the tests assert what the
 * kernel enforces rather than what berth says it asked for.
 */

interface CgroupMount {
  readonly point: string;
  readonly version: 1 | 2;
  readonly controllers: readonly string[];
}

async function cgroupMounts(): Promise<CgroupMount[]> {
  const info = await readFile("/proc/self/mountinfo", "utf8");
  const mounts: CgroupMount[] = [];
  for (const line of info.split("\n")) {
    const [left, right] = line.split(" - ");
    if (left === undefined || right === undefined) continue;
    const point = left.split(" ")[4];
    const [fstype, , superOpts] = right.split(" ");
    if (point === undefined) continue;
    if (fstype === "cgroup") mounts.push({ point, version: 1, controllers: (superOpts ?? "").split(",") });
    if (fstype === "cgroup2") {
      const enabled = await readFile(join(point, "cgroup.controllers"), "utf8").catch(() => "");
      mounts.push({ point, version: 2, controllers: enabled.trim().split(/\s+/) });
    }
  }
  return mounts;
}

/**
 * The directory of `pid`'s cgroup for `controller` ("pids", "cpu",
 * "cpuacct", "memory"), preferring a v1 hierarchy that has it, else v2.
 * Throws when neither has it, naming the controller.
 */
export async function cgroupDir(pid: number, controller: string): Promise<{ dir: string; version: 1 | 2 }> {
  const lines = (await readFile(`/proc/${pid}/cgroup`, "utf8")).trim().split("\n");
  const mounts = await cgroupMounts();
  for (const line of lines) {
    const [, controllers, path] = line.split(":");
    if (controllers === undefined || path === undefined || !controllers.split(",").includes(controller)) continue;
    const mount = mounts.find((m) => m.version === 1 && m.controllers.includes(controller));
    if (mount) return { dir: join(mount.point, path), version: 1 };
  }
  const unified = lines.find((l) => l.startsWith("0::"));
  const v2 = mounts.find((m) => m.version === 2 && m.controllers.includes(controller));
  if (unified !== undefined && v2) return { dir: join(v2.point, unified.slice(3)), version: 2 };
  throw new Error(`cgroup of pid ${pid}: no ${controller} controller in /proc/${pid}/cgroup (${lines.join(" | ")})`);
}

/** `pids.current` and `pids.max` of `pid`'s cgroup ("max" reads as Infinity). */
export async function pidsOf(pid: number): Promise<{ current: number; max: number; dir: string }> {
  const { dir } = await cgroupDir(pid, "pids");
  const read = async (f: string): Promise<number> => {
    const text = (await readFile(join(dir, f), "utf8")).trim();
    return text === "max" ? Infinity : Number(text);
  };
  return { current: await read("pids.current"), max: await read("pids.max"), dir };
}

/** Read `pids.current` of a cgroup dir found before (the process itself may be gone). */
export async function pidsCurrent(dir: string): Promise<number> {
  return Number((await readFile(join(dir, "pids.current"), "utf8")).trim());
}

/**
 * How often the kernel refused a fork in a cgroup dir because of pids.max
 * (the `max` line of pids.events), and its pids.peak where the kernel keeps
 * one (undefined otherwise): what a sampled pids.current can miss.
 */
export async function pidsLimitHits(dir: string): Promise<{ refused: number; peak: number | undefined }> {
  const events = await readFile(join(dir, "pids.events"), "utf8");
  const refused = Number(/^max (\d+)$/m.exec(events)?.[1] ?? NaN);
  const peak = await readFile(join(dir, "pids.peak"), "utf8").then((t) => Number(t.trim()), () => undefined);
  return { refused, peak };
}

/** CPU time used by `pid`'s cgroup (ns) and how many periods it was throttled in. */
/** The CPU quota of `pid`'s cgroup as a share of one CPU (cpu.max on v2, cfs_quota_us / cfs_period_us on v1); Infinity for none. */
export async function cpuQuotaOf(pid: number): Promise<number> {
  const cpu = await cgroupDir(pid, "cpu");
  if (cpu.version === 2) {
    const [quota, period] = (await readFile(join(cpu.dir, "cpu.max"), "utf8")).trim().split(" ");
    return quota === "max" ? Infinity : Number(quota) / Number(period);
  }
  const quota = Number((await readFile(join(cpu.dir, "cpu.cfs_quota_us"), "utf8")).trim());
  const period = Number((await readFile(join(cpu.dir, "cpu.cfs_period_us"), "utf8")).trim());
  return quota < 0 ? Infinity : quota / period;
}

export async function cpuOf(pid: number): Promise<{ usageNs: number; throttled: number }> {
  const cpu = await cgroupDir(pid, "cpu");
  const stat = await readFile(join(cpu.dir, "cpu.stat"), "utf8");
  const field = (name: string): number => Number(new RegExp(`^${name} (\\d+)$`, "m").exec(stat)?.[1] ?? NaN);
  const throttled = field("nr_throttled");
  if (cpu.version === 2) return { usageNs: field("usage_usec") * 1000, throttled };
  const acct = await cgroupDir(pid, "cpuacct");
  return { usageNs: Number((await readFile(join(acct.dir, "cpuacct.usage"), "utf8")).trim()), throttled };
}
