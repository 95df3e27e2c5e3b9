import { readFile } from "node:fs/promises";
import { containerCgroupPath, findCgroup, readCgroupStats } from "../../runtime/index.js";

/** One reading of a container's cgroup counters. */
export interface ContainerUsage {
  /** Cumulative CPU time of the container's cgroup since it was made, in ns. */
  readonly cpuNs: number;
  /** Working set: usage minus inactive file pages. */
  readonly memoryBytes: number;
}

/**
 * Reads a container's counters by its id. Rejects with a NOT_FOUND
 * BerthError when the container's cgroup is gone (it stopped or was
 * removed); other rejections are read errors.
 */
export type ContainerUsageReader = (id: string) => Promise<ContainerUsage>;

// Mounts of cgroup filesystems do not change under a running daemon; read /proc/self/mountinfo at most this often.
const MOUNTINFO_TTL_MS = 60_000;

/** Where {@link cgroupUsageReader} learns the host's cgroup mounts. */
export interface CgroupUsageReaderOptions {
  /** Text of /proc/self/mountinfo (the default reads it). */
  readonly readMountinfo?: () => Promise<string>;
}

/**
 * The reader of berth's own containers: the cgroup runc made for
 * `/berth/<id>` (v1 or v2, src/runtime/cgroup/), read with the runtime's
 * bounded readers; no process is started. /proc/self/mountinfo is read once
 * a minute, not once per container.
 */
export function cgroupUsageReader(opts: CgroupUsageReaderOptions = {}): ContainerUsageReader {
  const readMountinfo = opts.readMountinfo ?? (() => readFile("/proc/self/mountinfo", "utf8"));
  let mountinfo: { text: string; at: number } | undefined;
  return async (id) => {
    const now = Date.now();
    if (mountinfo === undefined || now - mountinfo.at > MOUNTINFO_TTL_MS) mountinfo = { text: await readMountinfo(), at: now };
    const cg = await findCgroup(containerCgroupPath(id), { mountinfo: mountinfo.text });
    const stats = await readCgroupStats(cg);
    return { cpuNs: stats.cpuUsageNs, memoryBytes: stats.memoryUsage };
  };
}
