import { constants } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { posix } from "node:path";
import { parseCgroupMounts, parseOwnCgroups } from "./cgroup-mounts.js";

/**
 * The `cgroup.procs` file of this process's own cgroup, from the texts of
 * /proc/self/mountinfo and /proc/self/cgroup: on the unified (v2) hierarchy
 * when one is mounted, else on the first v1 hierarchy with a controller.
 * Undefined when no mount shows this process's cgroup (no cgroup filesystem,
 * or a subtree mounted that does not hold it).
 */
export function ownCgroupProcsFile(mountinfo: string, ownCgroup: string): string | undefined {
  const mounts = parseCgroupMounts(mountinfo);
  const lines = parseOwnCgroups(ownCgroup);
  const v2Line = lines.find((l) => l.hierarchy === 0 && l.controllers.length === 0);
  const candidates = [
    ...(v2Line === undefined ? [] : mounts.filter((m) => m.version === 2).map((mount) => ({ mount, path: v2Line.path }))),
    ...lines.flatMap((l) => {
      const controller = l.controllers.find((c) => /^[a-z_]+$/.test(c));
      const mount = controller === undefined ? undefined : mounts.find((m) => m.version === 1 && m.controllers.includes(controller));
      return mount === undefined ? [] : [{ mount, path: l.path }];
    }),
  ];
  for (const { mount, path } of candidates) {
    const rel = posix.relative(mount.root, path);
    if (rel === ".." || rel.startsWith("../")) continue;
    return posix.join(mount.mountPoint, rel, "cgroup.procs");
  }
  return undefined;
}

let procsFile: Promise<string | undefined> | undefined;
let warming = false;

/**
 * Start, without waiting for it, the wait that runc's first cgroup move of
 * a container's process would otherwise make on the critical path.
 *
 * Why: moving a process into a cgroup (runc does it for a new container's
 * init, once per hierarchy, and for `runc exec`) takes the kernel's
 * cgroup_threadgroup_rwsem for writing. When no move happened within the
 * last RCU grace period, the first mover waits a whole one
 * (rcu_sync_enter → synchronize_rcu): 10 ms on this machine, a third of
 * `runc create`. Movers within a grace period of the previous one do not
 * wait. So this process moves itself to where it already is (its own pid
 * into its own cgroup.procs: nothing changes), on a libuv thread, while the
 * container is still being prepared; and once more when that returns,
 * which keeps the way clear for about two more grace periods, when runc's
 * moves come (10 to 20 ms after a start begins). A kernel that needs no
 * wait (cgroup_favordynmods) makes both writes cheap no-ops.
 *
 * One warm-up at a time per process; a process that cannot write its
 * cgroup (not root, no cgroup filesystem) stops trying after the first
 * failure. Callers need not wait for it: the returned promise (for tests)
 * never rejects.
 */
export function warmCgroupMigration(): Promise<void> {
  if (warming) return Promise.resolve();
  warming = true;
  return (async () => {
    try {
      const file = await (procsFile ??= Promise.all([readFile("/proc/self/mountinfo", "utf8"), readFile("/proc/self/cgroup", "utf8")]).then(
        ([mountinfo, own]) => ownCgroupProcsFile(mountinfo, own),
      ));
      if (file === undefined) return;
      const pid = String(process.pid);
      // Write-only, never created: a path that is not a cgroup file after all fails instead.
      await writeFile(file, pid, { flag: constants.O_WRONLY });
      await writeFile(file, pid, { flag: constants.O_WRONLY });
    } catch {
      procsFile = Promise.resolve(undefined);
    } finally {
      warming = false;
    }
  })();
}
