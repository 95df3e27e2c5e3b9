import { join } from "node:path";
import { parseCount, parseFlatKeyed, readCgroupFile } from "./cgroup-file.js";
import { CgroupFormatError } from "./errors.js";
import type { Cgroup } from "./find-cgroup.js";

/**
 * Whether the kernel's OOM killer killed a process of the container, as
 * docker's `State.OOMKilled`.
 *
 * - v2: `oom_kill` of `memory.events` (counted for the cgroup and below).
 * - v1: `oom_kill` of `memory.oom_control` (kernel ≥ 4.13). Older kernels
 *   lack that counter; then `memory.failcnt` > 0 — the usage hit the limit
 *   at least once — is taken as an OOM kill. That can overstate: a limit
 *   hit that reclaim (page cache) resolved also counts. docker learns it
 *   from an eventfd on memory.oom_control instead, which needs native code.
 *
 * Read it after the container's processes exit but before `runc delete`
 * (or the end of a foreground `runc run`) removes the cgroup: then it
 * throws {@link CgroupNotFoundError}.
 */
export async function readOomKilled(cg: Cgroup): Promise<boolean> {
  if (cg.version === 2) {
    const text = await readCgroupFile(cg.dir, "memory.events");
    if (text === undefined) {
      // Without the memory controller enabled there is no memory limit, so no cgroup OOM.
      await readCgroupFile(cg.dir, "cgroup.procs");
      return false;
    }
    return (parseFlatKeyed(join(cg.dir, "memory.events"), text).get("oom_kill") ?? 0) > 0;
  }
  const dir = cg.dirs.memory;
  if (dir === undefined) throw new CgroupFormatError("/proc/self/mountinfo", "the v1 memory controller is not mounted");
  const control = await readCgroupFile(dir, "memory.oom_control");
  if (control === undefined) throw new CgroupFormatError(join(dir, "memory.oom_control"), "missing: is this directory a memory cgroup?");
  const kills = parseFlatKeyed(join(dir, "memory.oom_control"), control).get("oom_kill");
  if (kills !== undefined) return kills > 0;
  const failcnt = await readCgroupFile(dir, "memory.failcnt");
  return failcnt !== undefined && parseCount(join(dir, "memory.failcnt"), "failcnt", failcnt) > 0;
}
