import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { access, mkdir, readFile, realpath, rmdir, stat, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { findCgroup, parseCgroupMounts, parseOwnCgroups, type CgroupV1 } from "../../../../src/runtime/cgroup/index.js";
import { isRoot, missingTools } from "../../../support/require-root.js";

export const BUSYBOX = "/bin/busybox";

/** Why this machine cannot make v1 cgroups for a test, or undefined when it can. */
export async function v1CgroupsUnsupported(): Promise<string | undefined> {
  if (!isRoot()) return `needs root (uid 0) to make cgroups, running as uid ${process.getuid?.() ?? "unknown"}`;
  const missing = missingTools([BUSYBOX]);
  if (missing.length > 0) return `needs ${missing.join(", ")} (apt-get install busybox-static)`;
  const cg = await findCgroup("/probe");
  if (cg.version !== 1) return "needs cgroup v1 hierarchies; this host mounts cgroup2 on /sys/fs/cgroup";
  const missingControllers = (["memory", "cpuacct", "pids", "blkio"] as const).filter((c) => cg.dirs[c] === undefined);
  if (missingControllers.length > 0) return `needs the v1 controllers ${missingControllers.join(", ")} mounted`;
  return undefined;
}

/** A process started inside a test cgroup. */
export interface CgroupProcess {
  readonly pid: number;
  /** Settles when it has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** A v1 cgroup made for one test, in the memory, cpu, cpuacct, pids and blkio hierarchies. */
export interface TestCgroup extends AsyncDisposable {
  readonly cg: CgroupV1;
  /** Run `busybox sh -c script` as a member of the cgroup from its first instruction on. */
  start(script: string): CgroupProcess;
  /** Kill what is left inside, then remove the directories. Safe to call twice. */
  remove(): Promise<void>;
}

/** Limits written before any process joins. */
export interface TestCgroupLimits {
  readonly memoryBytes?: number;
  readonly pids?: number;
}

/**
 * Make `/<parent>/<random>` in each hierarchy (absolute, as runc would for
 * that cgroupsPath) and set the limits; memory+swap gets the same limit, so
 * an over-limit process is OOM-killed rather than swapped out.
 */
export async function makeV1Cgroup(parent: string, limits: TestCgroupLimits = {}): Promise<TestCgroup> {
  const found = await findCgroup(`/${parent}/${randomBytes(8).toString("hex")}`);
  if (found.version !== 1) throw new Error("makeV1Cgroup needs a cgroup v1 host");
  const cg = found;
  const dirs = Object.values(cg.dirs).filter((d, i, all) => all.indexOf(d) === i);
  const remove = async (): Promise<void> => {
    await removeCgroupDirs(dirs);
    await removeEmptyParents(parent);
  };
  try {
    for (const dir of dirs) await mkdir(dir, { recursive: true });
    const memory = cg.dirs.memory!;
    if (limits.memoryBytes !== undefined) {
      await writeFile(join(memory, "memory.limit_in_bytes"), String(limits.memoryBytes));
      await writeFile(join(memory, "memory.memsw.limit_in_bytes"), String(limits.memoryBytes)).catch(() => undefined);
    }
    if (limits.pids !== undefined) await writeFile(join(cg.dirs.pids!, "pids.max"), String(limits.pids));
  } catch (e) {
    await remove();
    throw e;
  }
  const start = (script: string): CgroupProcess => {
    // The shell joins each cgroup itself before it runs the script, so nothing of the script runs outside.
    const join_ = 'for f in "$@"; do echo $$ > "$f" || exit 97; done; exec /bin/busybox sh -c "$0"';
    const child = spawn(BUSYBOX, ["sh", "-c", join_, script, ...dirs.map((d) => join(d, "cgroup.procs"))], { stdio: "ignore" });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
      child.on("error", reject);
      child.on("exit", (code, signal) => resolve({ code, signal }));
    });
    return { pid: child.pid ?? -1, exited };
  };
  return { cg, start, remove, [Symbol.asyncDispose]: remove };
}

/**
 * SIGKILL every process in `dirs` until they are empty (at most 10 s), then
 * rmdir them. Throws when a directory cannot be removed, naming it.
 */
export async function removeCgroupDirs(dirs: readonly string[]): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (let round = 0; round < 100; round++) {
    const pids = (await Promise.all(dirs.map((d) => readFile(join(d, "cgroup.procs"), "utf8").catch(() => "")))).join("\n").split("\n").filter((p) => /^\d+$/.test(p));
    if (pids.length === 0 || Date.now() > deadline) break;
    for (const pid of pids) {
      try {
        process.kill(Number(pid), "SIGKILL");
      } catch {
        // Gone already.
      }
    }
    await sleep(100);
  }
  const left: string[] = [];
  for (const dir of dirs) {
    // rmdir fails with EBUSY for a moment after the last task leaves: retry briefly.
    for (let i = 0; i < 50; i++) {
      const err = await rmdir(dir).then(() => undefined, (e: NodeJS.ErrnoException) => e);
      if (err === undefined || err.code === "ENOENT") break;
      if (i === 49) left.push(`${dir} (${err.code})`);
      await sleep(100);
    }
  }
  if (left.length > 0) throw new Error(`cgroups left behind: ${left.join(", ")}`);
}

/**
 * rmdir `<parent>` wherever runc or a test may have made it: under each
 * cgroup mount, and under this process's own cgroups and their parents
 * (where a relative cgroupsPath lands). Only empty directories go, so a
 * parent still in use stays.
 */
export async function removeEmptyParents(parent: string): Promise<void> {
  const mounts = parseCgroupMounts(await readFile("/proc/self/mountinfo", "utf8"));
  const own = parseOwnCgroups(await readFile("/proc/self/cgroup", "utf8")).map((l) => l.path);
  const bases = [...new Set(["/", ...own, ...own.map((p) => dirname(p))])];
  for (const m of mounts) {
    for (const base of bases) {
      const dir = join(m.mountPoint, base, parent);
      if (await access(dir).then(() => true, () => false)) await rmdir(dir).catch(() => undefined);
    }
  }
}

/**
 * Make the kernel count block I/O of `cg` on the disk under `path`. On
 * recent kernels (6.18 here) v1's blkio.throttle.* counters stay 0 until a
 * throttle rule exists on the disk (docker then shows 0B too), so set a
 * write limit of 1 TiB/s. False when `path` is not on a block device or the rule is refused.
 */
export async function countBlockIo(cg: CgroupV1, path: string): Promise<boolean> {
  const blkio = cg.dirs.blkio;
  const dev = (await stat(path)).dev;
  const major = (dev & 0xfff00) >> 8;
  const minor = (dev & 0xff) | ((dev >> 12) & 0xfff00);
  if (blkio === undefined || major === 0) return false;
  // Rules go on the whole disk; a partition's sysfs dir has a `partition` file and its parent is the disk.
  const sys = await realpath(`/sys/dev/block/${major}:${minor}`).catch(() => undefined);
  if (sys === undefined) return false;
  const isPartition = await access(join(sys, "partition")).then(() => true, () => false);
  const disk = isPartition ? (await readFile(join(dirname(sys), "dev"), "utf8")).trim() : `${major}:${minor}`;
  return writeFile(join(blkio, "blkio.throttle.write_bps_device"), `${disk} ${2 ** 40}`).then(() => true, () => false);
}
