import { readFile } from "node:fs/promises";
import { posix } from "node:path";
import { InvalidArgumentError } from "../../oci/index.js";
import { parseCgroupMounts, parseOwnCgroups, type CgroupMount, type OwnCgroup } from "./cgroup-mounts.js";
import { CgroupFormatError, CgroupUnavailableError } from "./errors.js";

/** The v1 controllers berth reads. */
export type V1Controller = "memory" | "cpu" | "cpuacct" | "pids" | "blkio";
export const V1_CONTROLLERS: readonly V1Controller[] = ["memory", "cpu", "cpuacct", "pids", "blkio"];

/** A container's cgroup on a v1 (or hybrid) host: one directory per controller hierarchy. */
export interface CgroupV1 {
  readonly version: 1;
  /** The cgroupsPath, cleaned as runc cleans it. */
  readonly path: string;
  /** The directory in each controller's hierarchy; a controller that is not mounted is absent. */
  readonly dirs: Readonly<Partial<Record<V1Controller, string>>>;
}

/** A container's cgroup on a v2 (unified) host: one directory for every controller. */
export interface CgroupV2 {
  readonly version: 2;
  readonly path: string;
  readonly dir: string;
}

export type Cgroup = CgroupV1 | CgroupV2;

/** Where {@link findCgroup} learns the host's layout; each defaults to this process's file. */
export interface FindCgroupOptions {
  /** Text of /proc/self/mountinfo. */
  readonly mountinfo?: string;
  /** Text of /proc/self/cgroup: relative cgroupsPaths are resolved against it. */
  readonly ownCgroup?: string;
}

/**
 * The directories runc (cgroupfs driver) makes for `linux.cgroupsPath`,
 * without touching them: whether they exist is the readers' business.
 *
 * - The version is runc's: v2 when cgroup2 is mounted on /sys/fs/cgroup,
 *   else v1 when any v1 controller is mounted (hybrid hosts are v1), else a
 *   cgroup2 mounted elsewhere.
 * - An absolute path is under each controller's mount point, whatever
 *   cgroup this process is in (`/berth/<id>` → `/sys/fs/cgroup/memory/berth/<id>`).
 * - A relative path is under this process's own cgroup of that controller
 *   (on v1 each hierarchy may differ: here memory is nested, the others are
 *   not) and, on v2, under the parent of it, as runc does.
 *
 * The path is cleaned like runc's `utils.CleanPath`, so `..` cannot leave
 * the hierarchy. Throws INVALID_ARGUMENT for an empty path, a NUL byte or a
 * path that names the root cgroup; {@link CgroupUnavailableError} when no
 * cgroup filesystem is mounted.
 */
export async function findCgroup(cgroupsPath: string, opts: FindCgroupOptions = {}): Promise<Cgroup> {
  const path = cleanCgroupsPath(cgroupsPath);
  const mounts = parseCgroupMounts(opts.mountinfo ?? (await readFile("/proc/self/mountinfo", "utf8")));
  const own = async (): Promise<OwnCgroup[]> => parseOwnCgroups(opts.ownCgroup ?? (await readFile("/proc/self/cgroup", "utf8")));
  const unified = mounts.find((m) => m.version === 2 && m.mountPoint === "/sys/fs/cgroup");
  const v1 = mounts.filter((m) => m.version === 1 && m.controllers.some((c) => (V1_CONTROLLERS as readonly string[]).includes(c)));
  if (unified === undefined && v1.length > 0) {
    const ownLines = posix.isAbsolute(path) ? [] : await own();
    const dirs: Partial<Record<V1Controller, string>> = {};
    for (const controller of V1_CONTROLLERS) {
      const mount = v1.find((m) => m.controllers.includes(controller));
      if (mount === undefined) continue;
      const ownPath = ownLines.find((l) => l.controllers.includes(controller))?.path;
      dirs[controller] = dirIn(mount, path, ownPath, false);
    }
    return { version: 1, path, dirs };
  }
  const v2 = unified ?? mounts.find((m) => m.version === 2);
  if (v2 === undefined) throw new CgroupUnavailableError("no cgroup or cgroup2 filesystem in /proc/self/mountinfo");
  const ownPath = posix.isAbsolute(path) ? undefined : (await own()).find((l) => l.hierarchy === 0 && l.controllers.length === 0)?.path;
  return { version: 2, path, dir: dirIn(v2, path, ownPath, true) };
}

/** runc's `utils.CleanPath`, refusing what cannot name a container's cgroup. */
export function cleanCgroupsPath(cgroupsPath: string): string {
  if (cgroupsPath === "" || cgroupsPath.includes("\0")) {
    throw new InvalidArgumentError(`cgroupsPath ${JSON.stringify(cgroupsPath)}: must be a non-empty path without NUL bytes`);
  }
  const clean = posix.isAbsolute(cgroupsPath)
    ? posix.normalize(cgroupsPath)
    : posix.normalize(`/${cgroupsPath}`).slice(1);
  const trimmed = clean.length > 1 ? clean.replace(/\/+$/, "") : clean;
  if (trimmed === "/" || trimmed === "" || trimmed === ".") {
    throw new InvalidArgumentError(`cgroupsPath ${JSON.stringify(cgroupsPath)}: names the root cgroup`, { hint: "give the container's own path, e.g. /berth/<id>" });
  }
  return trimmed;
}

function dirIn(mount: CgroupMount, path: string, ownPath: string | undefined, parentOfOwn: boolean): string {
  if (posix.isAbsolute(path)) return posix.join(mount.mountPoint, path);
  if (ownPath === undefined) {
    throw new CgroupFormatError("/proc/self/cgroup", `no line for the hierarchy mounted at ${mount.mountPoint}, needed to resolve the relative cgroupsPath ${path}`);
  }
  // /proc/self/cgroup shows paths from the hierarchy's root; the mount may show only a subtree of it.
  const rel = posix.relative(mount.root, ownPath);
  if (rel === ".." || rel.startsWith("../")) {
    throw new CgroupFormatError("/proc/self/cgroup", `own cgroup ${ownPath} lies outside ${mount.mountPoint} (which shows ${mount.root})`);
  }
  // On v2 this process's own cgroup holds processes, so it cannot have controllers enabled for children: runc uses its parent.
  const base = parentOfOwn ? posix.dirname(`/${rel}`) : `/${rel}`;
  return posix.join(mount.mountPoint, base, path);
}
