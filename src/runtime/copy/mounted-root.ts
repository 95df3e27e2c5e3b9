import { ReadOnlyDestinationError } from "./errors.js";
import { RootedDir } from "./rooted-dir.js";

/** A host file or directory bind-mounted into the container (a `-v` bind, a volume, berth's /etc files). */
export interface CopyMount {
  /** Where the container sees it: absolute and clean, not `/`. */
  readonly destination: string;
  /** The host path mounted there: absolute, its symlinks already resolved (it is the host's, trusted as the rootfs's path is). */
  readonly source: string;
  readonly readOnly: boolean;
}

/**
 * A container's filesystem as its processes see it, for `cp`: the rootfs
 * as `/`, with host paths bind-mounted over parts of it. Nothing is mounted
 * for a copy: each container path is mapped to the host path that holds it,
 * the source of the deepest mount at or above it, or the rootfs.
 *
 * ```
 * mounts: /mnt ← /srv/x   /etc/hosts ← <container dir>/hosts
 *   /mnt/a/b    → /srv/x/a/b          (the mount's source)
 *   /etc/hosts  → <container dir>/hosts
 *   /etc/passwd → <rootfs>/etc/passwd
 * ```
 *
 * Symlinks are resolved on container paths (resolveInRoot), so a link
 * inside a mount means what it means to the container and `..` stops at
 * `/`: no path leads out of the rootfs or a mount's source. A plain host
 * directory is a MountedRoot without mounts.
 */
export class MountedRoot {
  constructor(
    readonly rootfs: string,
    readonly mounts: readonly CopyMount[] = [],
    /** `--read-only`: the rootfs takes no writes; the mounts say for themselves. */
    readonly isReadOnly = false,
  ) {}

  /** `root` as a MountedRoot: a string is a directory with nothing mounted on it. */
  static of(root: string | MountedRoot): MountedRoot {
    return typeof root === "string" ? new MountedRoot(root) : root;
  }

  /**
   * The mount holding `path` (clean, absolute): the deepest one at `path`
   * or above it, the later of two at one place (as the kernel stacks them);
   * undefined when the rootfs holds it.
   */
  mountOf(path: string): CopyMount | undefined {
    let found: CopyMount | undefined;
    for (const m of this.mounts) {
      const holds = path === m.destination || path.startsWith(`${m.destination}/`);
      if (holds && (found === undefined || m.destination.length >= found.destination.length)) found = m;
    }
    return found;
  }

  /** The mount whose mount point is `path` itself, if any. */
  mountAt(path: string): CopyMount | undefined {
    const m = this.mountOf(path);
    return m?.destination === path ? m : undefined;
  }

  /** Names of the mount points directly in the directory `dir`, which a listing of the rootfs may lack. */
  mountPointsIn(dir: string): string[] {
    const prefix = dir === "/" ? "/" : `${dir}/`;
    return this.mounts.map((m) => m.destination).filter((d) => d.startsWith(prefix) && !d.slice(prefix.length).includes("/")).map((d) => d.slice(prefix.length));
  }

  /**
   * The host path of `path` (clean, absolute), to lstat or readlink while
   * resolving. Never to open: a component may be swapped for a symlink
   * meanwhile; open through {@link openDir}.
   */
  hostPath(path: string): string {
    const m = this.mountOf(path);
    return m === undefined ? this.rootfs + path : m.source + path.slice(m.destination.length);
  }

  /**
   * Open the directory at `path` (clean, absolute, resolved): from the root
   * of the mount holding it, one component at a time without following
   * symlinks (RootedDir). The result's `path` is the container path. With
   * `create`, missing directories are made (inside that mount only).
   */
  async openDir(path: string, create = false): Promise<RootedDir> {
    const m = this.mountOf(path);
    const base = await RootedDir.openRoot(m?.source ?? this.rootfs, m?.destination ?? "/");
    try {
      return await base.openPath(m === undefined ? path : path.slice(m.destination.length), create);
    } finally {
      await base.close();
    }
  }

  /**
   * Throws ReadOnlyDestinationError when the container may not write in the
   * directory `path` (clean, absolute, resolved): the rootfs of a
   * `--read-only` container, or a `:ro` mount. A read-write mount in a
   * read-only container takes writes, as in docker.
   */
  checkWritable(path: string): void {
    const m = this.mountOf(path);
    if (m === undefined ? this.isReadOnly : m.readOnly) throw new ReadOnlyDestinationError(path, m === undefined ? "rootfs" : "mount");
  }
}
