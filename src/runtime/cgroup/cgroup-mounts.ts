import { CgroupFormatError } from "./errors.js";

/** One cgroup filesystem mount, from a line of /proc/self/mountinfo. */
export interface CgroupMount {
  /** Where it is mounted, e.g. `/sys/fs/cgroup/memory`. */
  readonly mountPoint: string;
  /** The cgroup of the hierarchy that appears at the mount point (`/` unless a subtree was bind-mounted). */
  readonly root: string;
  readonly version: 1 | 2;
  /** v1: the controllers of the hierarchy (`memory`, `cpu`, `cpuacct`, …; `name=systemd` is left out). v2: empty. */
  readonly controllers: readonly string[];
}

/** Decode the octal escapes (`\040` for a space) the kernel writes in mountinfo paths. */
const unescape = (s: string): string => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));

/**
 * The cgroup mounts in `/proc/self/mountinfo` text, in file order. Lines of
 * other filesystems are skipped; a cgroup line without the fields
 * proc(5) describes throws {@link CgroupFormatError}.
 *
 * ```
 * 34 30 0:31 / /sys/fs/cgroup/memory rw,relatime shared:9 - cgroup cgroup rw,memory
 * id pa dev root mount-point  options  [optional…]  - fstype source super-options
 * ```
 */
export function parseCgroupMounts(mountinfo: string, file = "/proc/self/mountinfo"): CgroupMount[] {
  const mounts: CgroupMount[] = [];
  for (const line of mountinfo.split("\n")) {
    if (line === "") continue;
    const fields = line.split(" ");
    // Paths are absolute and the other fields numbers or options, so the first "-" is the separator.
    const dash = fields.indexOf("-");
    const fsType = dash < 0 ? undefined : fields[dash + 1];
    if (fsType !== "cgroup" && fsType !== "cgroup2") continue;
    const root = fields[3];
    const mountPoint = fields[4];
    const superOptions = fields[dash + 3];
    if (dash < 6 || root === undefined || mountPoint === undefined || superOptions === undefined || !root.startsWith("/") || !mountPoint.startsWith("/")) {
      throw new CgroupFormatError(file, `malformed ${fsType} line ${JSON.stringify(line.slice(0, 120))}`);
    }
    const controllers = fsType === "cgroup"
      ? superOptions.split(",").filter((o) => /^[a-z_]+$/.test(o) && !V1_MOUNT_OPTIONS.has(o))
      : [];
    mounts.push({ mountPoint: unescape(mountPoint), root: unescape(root), version: fsType === "cgroup" ? 1 : 2, controllers });
  }
  return mounts;
}

/** Options of a v1 cgroup mount that are not controller names (cgroup-v1 docs, "mount options"). */
const V1_MOUNT_OPTIONS = new Set(["rw", "ro", "noprefix", "xattr", "clone_children", "cpuset_v2_mode", "all", "none", "favordynmods"]);

/** One line of /proc/<pid>/cgroup: hierarchy id, its controllers (empty for v2's `0::`), and the cgroup path. */
export interface OwnCgroup {
  readonly hierarchy: number;
  readonly controllers: readonly string[];
  readonly path: string;
}

/** The lines of `/proc/self/cgroup` text (`4:memory:/process_api/…`, `0::/`). */
export function parseOwnCgroups(text: string, file = "/proc/self/cgroup"): OwnCgroup[] {
  const out: OwnCgroup[] = [];
  for (const line of text.split("\n")) {
    if (line === "") continue;
    const m = /^(\d+):([^:]*):(\/.*)$/.exec(line);
    if (m === null) throw new CgroupFormatError(file, `expected "id:controllers:/path", got ${JSON.stringify(line.slice(0, 120))}`);
    out.push({ hierarchy: Number(m[1]), controllers: m[2] === "" ? [] : m[2]!.split(","), path: m[3]! });
  }
  return out;
}
