import { rmdir, statfs } from "node:fs/promises";
import { join, posix } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { readSmallFile } from "./cgroup-file.js";
import { parseCgroupMounts } from "./cgroup-mounts.js";
import { cleanCgroupsPath } from "./find-cgroup.js";

// runc 1.1 gives up removing a container's cgroups after ~150 ms of EBUSY (a process still
// in them: one slow to die, or one that joined from outside the container's pid namespace),
// logs "Failed to remove paths", and still exits 0 from `runc delete` with its state gone:
// nothing would ever remove those directories. berth removes what runc left.

/** Waits between tries: ~1.6 s in all, for processes to finish dying. */
const RETRY_DELAYS_MS = [0, 20, 50, 100, 200, 400, 800];
/** From this try on, what is still in the cgroup is killed (it belongs to a container being deleted). */
const KILL_FROM_TRY = 2;

/**
 * The cgroup directories runc's `state.json` (text) records for container
 * `id`: its `cgroup_paths`, keeping only absolute, normalised paths whose
 * last component is the id, so a damaged or hostile state file cannot point
 * the removal anywhere else. Empty when the text is not runc's state.
 */
export function cgroupPathsOfState(stateJson: string, id: string): string[] {
  let state: unknown;
  try {
    state = JSON.parse(stateJson);
  } catch {
    return [];
  }
  const paths = typeof state === "object" && state !== null ? (state as { cgroup_paths?: unknown }).cgroup_paths : undefined;
  if (typeof paths !== "object" || paths === null) return [];
  return [...new Set(Object.values(paths).filter((p) => isContainerPath(p, id)))];
}

/** Absolute and normalised (no `..` left in it), below the root, its last component the id. */
const isContainerPath = (p: unknown, id: string): p is string =>
  typeof p === "string" && posix.isAbsolute(p) && posix.normalize(p) === p && !p.endsWith("/") && posix.basename(p) === id && p !== `/${id}`;

/**
 * The cgroup directories runc's cgroupfs driver makes for container `id`
 * at the spec's absolute `cgroupsPath`: that path under every cgroup and
 * cgroup2 mount point of `mountinfo` (text of /proc/self/mountinfo), as
 * runc 1.1 records them in its state, a hybrid host's unified hierarchy
 * included. For a foreground `runc run`, whose state is gone by the time it
 * has ended. Empty for a relative path (resolved against runc's own cgroup,
 * which berth does not know here), one whose last component is not the id,
 * or mountinfo that cannot be read as such.
 */
export function cgroupPathsOfSpec(cgroupsPath: string, id: string, mountinfo: string): string[] {
  let path: string;
  try {
    path = cleanCgroupsPath(cgroupsPath);
  } catch {
    return [];
  }
  if (!isContainerPath(path, id)) return [];
  let mounts;
  try {
    mounts = parseCgroupMounts(mountinfo);
  } catch {
    return [];
  }
  return [...new Set(mounts.map((m) => posix.join(m.mountPoint, path)).filter((p) => isContainerPath(p, id)))];
}

/** The cgroup paths recorded in `<stateDir>/<id>/state.json`, or none (no such file, not runc's). */
export async function readStateCgroupPaths(stateDir: string, id: string): Promise<string[]> {
  const text = await readSmallFile(join(stateDir, id, "state.json")).catch(() => undefined);
  return text === undefined ? [] : cgroupPathsOfState(text, id);
}

/**
 * Remove those of `paths` that still exist, after `runc delete`: each one
 * on a cgroup filesystem is tried with rmdir until it is gone, waiting
 * between tries; from the third try what its cgroup.procs still lists is
 * sent SIGKILL. Resolves with the paths that could not be removed (busy
 * after ~1.6 s, not a cgroup, another error); never rejects.
 */
export async function removeLeftoverCgroups(paths: readonly string[]): Promise<string[]> {
  const left = await Promise.all(paths.map(async (path) => ((await removeOne(path)) ? undefined : path)));
  return left.filter((p): p is string => p !== undefined);
}

/** statfs magic numbers of cgroup (v1) and cgroup2 filesystems. */
const CGROUP_MAGICS = new Set([0x27e0eb, 0x63677270]);

async function removeOne(path: string): Promise<boolean> {
  // Only a directory of a cgroup filesystem is removed, and its processes killed: not whatever a state file names.
  const fs = await statfs(path).catch((e: NodeJS.ErrnoException) => e.code ?? "EIO");
  if (fs === "ENOENT") return true;
  if (typeof fs === "string" || !CGROUP_MAGICS.has(fs.type)) return false;
  for (const [i, delay] of RETRY_DELAYS_MS.entries()) {
    if (delay > 0) await sleep(delay);
    if (i >= KILL_FROM_TRY) await killMembers(path);
    const code = await rmdir(path).then(() => undefined, (e: NodeJS.ErrnoException) => e.code ?? "EIO");
    if (code === undefined || code === "ENOENT") return true;
    if (code !== "EBUSY") return false;
  }
  return false;
}

async function killMembers(path: string): Promise<void> {
  const procs = (await readSmallFile(join(path, "cgroup.procs")).catch(() => undefined)) ?? "";
  for (const line of procs.split("\n")) {
    const pid = Number(line);
    if (!Number.isInteger(pid) || pid <= 1) continue;
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Gone already (ESRCH).
    }
  }
}
