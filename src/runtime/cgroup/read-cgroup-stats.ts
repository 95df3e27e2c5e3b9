import { totalmem } from "node:os";
import { join } from "node:path";
import { parseCount, parseFlatKeyed, parseLimit, readCgroupFile } from "./cgroup-file.js";
import { systemCpuNs, type CpuSample } from "./cpu-percent.js";
import { CgroupFormatError } from "./errors.js";
import type { Cgroup, CgroupV1, CgroupV2 } from "./find-cgroup.js";
import { readNetDev } from "./net-dev.js";

/** One reading of a container's counters, in docker's terms. */
export interface CgroupStats extends CpuSample {
  /** Memory in use without reclaimable page cache: usage − inactive file pages, as `docker stats` shows it. */
  readonly memoryUsage: number;
  /** The memory limit, or the host's total memory when unlimited (or above it). */
  readonly memoryLimit: number;
  readonly pidsCurrent: number;
  /** The pids limit; absent when unlimited or the controller is not there. */
  readonly pidsLimit?: number;
  /** Bytes read from and written to block devices, all devices summed. */
  readonly blockRead: number;
  readonly blockWrite: number;
  /** Network bytes of the container's namespace (0 without a pid). */
  readonly netRx: number;
  readonly netTx: number;
  readonly readAt: Date;
}

/**
 * The reading of a container that is not running: every counter 0, as
 * docker's daemon answers for one (its `stats` then shows `0.00%`,
 * `0B / 0B`, `0`; `--` is for a reading that failed).
 */
export const NOT_RUNNING_STATS: CgroupStats = Object.freeze({
  cpuUsageNs: 0, systemCpuNs: 0, onlineCpus: 0, memoryUsage: 0, memoryLimit: 0, pidsCurrent: 0,
  blockRead: 0, blockWrite: 0, netRx: 0, netTx: 0, readAt: new Date(0),
});

/** What {@link readCgroupStats} needs beyond the cgroup. */
export interface ReadStatsOptions {
  /** A process in the container (its init), whose network namespace is measured. */
  readonly pid?: number;
  /** Where procfs is mounted; default /proc. */
  readonly procRoot?: string;
  /** The host's memory, the limit of an unlimited container; default os.totalmem() (MemTotal). */
  readonly hostMemory?: number;
}

/**
 * Read the container's counters now. Controllers that are not mounted (v1)
 * or not enabled (v2) read as 0. Throws {@link CgroupNotFoundError} when
 * the memory cgroup (v1) or the cgroup (v2) is gone, and
 * {@link CgroupFormatError} on a file not in the kernel's format.
 *
 * v1: cpuacct.usage; memory.usage_in_bytes − total_inactive_file,
 * memory.limit_in_bytes; pids.current/max; blkio.throttle.io_service_bytes_recursive
 * (0 on recent kernels unless a throttle rule is set on the disk, as docker shows).
 * v2: cpu.stat usage_usec; memory.current − inactive_file, memory.max;
 * pids.current/max; io.stat rbytes/wbytes.
 */
export async function readCgroupStats(cg: Cgroup, opts: ReadStatsOptions = {}): Promise<CgroupStats> {
  const procRoot = opts.procRoot ?? "/proc";
  const [counters, system, net] = await Promise.all([
    cg.version === 1 ? readV1(cg) : readV2(cg),
    systemCpuNs(procRoot),
    opts.pid === undefined ? { rxBytes: 0, txBytes: 0 } : readNetDev(opts.pid, procRoot),
  ]);
  const hostMemory = opts.hostMemory ?? totalmem();
  const { limit, pidsLimit, ...rest } = counters;
  return {
    ...rest,
    ...system,
    // docker: a limit above the machine's memory (v1's "unlimited" is 2^63 − page) reads as the machine's.
    memoryLimit: limit === undefined || limit > hostMemory ? hostMemory : limit,
    ...(pidsLimit === undefined ? {} : { pidsLimit }),
    netRx: net.rxBytes,
    netTx: net.txBytes,
    readAt: new Date(),
  };
}

interface Counters {
  readonly cpuUsageNs: number;
  readonly memoryUsage: number;
  readonly limit: number | undefined;
  readonly pidsCurrent: number;
  readonly pidsLimit: number | undefined;
  readonly blockRead: number;
  readonly blockWrite: number;
}

async function readV1(cg: CgroupV1): Promise<Counters> {
  const { memory, cpuacct, pids, blkio } = cg.dirs;
  if (memory === undefined) throw new CgroupFormatError("/proc/self/mountinfo", "the v1 memory controller is not mounted");
  const usage = parseCount(join(memory, "memory.usage_in_bytes"), "usage", await required(memory, "memory.usage_in_bytes"));
  const stat = parseFlatKeyed(join(memory, "memory.stat"), await required(memory, "memory.stat"));
  const limitText = await readCgroupFile(memory, "memory.limit_in_bytes");
  const cpuText = cpuacct === undefined ? undefined : await readCgroupFile(cpuacct, "cpuacct.usage");
  const block = await readV1Block(blkio);
  return {
    cpuUsageNs: cpuText === undefined ? 0 : parseCount(join(cpuacct ?? "", "cpuacct.usage"), "usage", cpuText),
    memoryUsage: withoutInactiveFile(usage, stat.get("total_inactive_file")),
    limit: limitText === undefined ? undefined : parseCount(join(memory, "memory.limit_in_bytes"), "limit", limitText),
    ...(await readPids(pids)),
    blockRead: block.read,
    blockWrite: block.write,
  };
}

async function readV1Block(blkio: string | undefined): Promise<{ read: number; write: number }> {
  if (blkio === undefined) return { read: 0, write: 0 };
  // The throttle file exists whatever the I/O scheduler (the CFQ/BFQ ones only under those). On recent kernels (6.18 here) it
  // counts only once a throttle rule is set on the disk, so it may read 0 — as it does for docker, reading the same file.
  for (const name of ["blkio.throttle.io_service_bytes_recursive", "blkio.io_service_bytes_recursive"]) {
    const text = await readCgroupFile(blkio, name);
    if (text !== undefined) return parseBlkioServiceBytes(join(blkio, name), text);
  }
  return { read: 0, write: 0 };
}

async function readV2(cg: CgroupV2): Promise<Counters> {
  const { dir } = cg;
  // cgroup.procs exists in every v2 cgroup, whichever controllers are enabled: it tells "gone" from "not enabled".
  await required(dir, "cgroup.procs");
  const cpuText = await readCgroupFile(dir, "cpu.stat");
  const currentText = await readCgroupFile(dir, "memory.current");
  const statText = await readCgroupFile(dir, "memory.stat");
  const maxText = await readCgroupFile(dir, "memory.max");
  const ioText = await readCgroupFile(dir, "io.stat");
  const usec = cpuText === undefined ? undefined : parseFlatKeyed(join(dir, "cpu.stat"), cpuText).get("usage_usec");
  const usage = currentText === undefined ? 0 : parseCount(join(dir, "memory.current"), "current", currentText);
  const inactive = statText === undefined ? undefined : parseFlatKeyed(join(dir, "memory.stat"), statText).get("inactive_file");
  const io = ioText === undefined ? { read: 0, write: 0 } : parseIoStat(join(dir, "io.stat"), ioText);
  return {
    cpuUsageNs: (usec ?? 0) * 1000,
    memoryUsage: withoutInactiveFile(usage, inactive),
    limit: maxText === undefined ? undefined : parseLimit(join(dir, "memory.max"), maxText),
    ...(await readPids(dir)),
    blockRead: io.read,
    blockWrite: io.write,
  };
}

/** docker CLI's `calculateMemUsageUnixNoCache`: subtract inactive file pages when they are below usage. */
const withoutInactiveFile = (usage: number, inactiveFile: number | undefined): number =>
  inactiveFile !== undefined && inactiveFile < usage ? usage - inactiveFile : usage;

async function required(dir: string, name: string): Promise<string> {
  const text = await readCgroupFile(dir, name);
  if (text === undefined) throw new CgroupFormatError(join(dir, name), "missing: is this directory a cgroup?");
  return text;
}

async function readPids(dir: string | undefined): Promise<{ pidsCurrent: number; pidsLimit: number | undefined }> {
  const current = dir === undefined ? undefined : await readCgroupFile(dir, "pids.current");
  const max = dir === undefined ? undefined : await readCgroupFile(dir, "pids.max");
  return {
    pidsCurrent: current === undefined ? 0 : parseCount(join(dir ?? "", "pids.current"), "current", current),
    pidsLimit: max === undefined ? undefined : parseLimit(join(dir ?? "", "pids.max"), max),
  };
}

/** v1 `blkio.*io_service_bytes*`: `MAJ:MIN Read|Write|Sync|Async|Discard|Total N` lines and a final `Total N`. */
export function parseBlkioServiceBytes(file: string, text: string): { read: number; write: number } {
  let read = 0;
  let write = 0;
  for (const line of text.split("\n")) {
    const parts = line.trim().split(/\s+/);
    if (parts.length === 1 && parts[0] === "") continue;
    if (parts[0] === "Total" && parts.length === 2) continue;
    if (parts.length !== 3 || !/^\d+:\d+$/.test(parts[0]!)) throw new CgroupFormatError(file, `expected "MAJ:MIN Op bytes", got ${JSON.stringify(line.slice(0, 80))}`);
    const n = parseCount(file, parts[1]!, parts[2]!);
    if (parts[1] === "Read") read += n;
    else if (parts[1] === "Write") write += n;
  }
  return { read, write };
}

/** v2 `io.stat`: `MAJ:MIN rbytes=N wbytes=N rios=N …` per device. */
export function parseIoStat(file: string, text: string): { read: number; write: number } {
  let read = 0;
  let write = 0;
  for (const line of text.split("\n")) {
    const [dev, ...pairs] = line.trim().split(/\s+/);
    if (dev === undefined || dev === "") continue;
    if (!/^\d+:\d+$/.test(dev)) throw new CgroupFormatError(file, `expected "MAJ:MIN key=value…", got ${JSON.stringify(line.slice(0, 80))}`);
    for (const pair of pairs) {
      const eq = pair.indexOf("=");
      const key = pair.slice(0, eq);
      if (eq < 0) throw new CgroupFormatError(file, `expected key=value, got ${JSON.stringify(pair.slice(0, 40))}`);
      if (key === "rbytes") read += parseCount(file, key, pair.slice(eq + 1));
      else if (key === "wbytes") write += parseCount(file, key, pair.slice(eq + 1));
    }
  }
  return { read, write };
}
