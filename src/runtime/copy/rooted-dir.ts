import { constants } from "node:fs";
import { mkdir, open, type FileHandle } from "node:fs/promises";
import { PathChangedError } from "./errors.js";

const DIR_FLAGS = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;

/**
 * An open directory inside the root, and paths relative to it that the
 * kernel resolves from the open descriptor (`/proc/self/fd/N/name`, which
 * is openat(2) for a runtime without it). A path opened from here cannot be
 * redirected by a symlink swapped into a parent after it was resolved: only
 * the last component is looked up, and callers pass O_NOFOLLOW or use the
 * l* calls for it. Close it when done.
 *
 * ```
 * RootedDir.openRoot(rootfs)            fd → <rootfs>
 *   .openPath("/usr/share")             fd → <rootfs>/usr, then → share, each O_NOFOLLOW
 *   .child("doc")                       "/proc/self/fd/<fd of share>/doc"
 * ```
 */
export class RootedDir {
  private constructor(
    private readonly dir: FileHandle,
    /** The directory's path inside the root, for messages. */
    readonly path: string,
  ) {}

  /**
   * Open the root itself (following symlinks in the host path to it, which
   * is the caller's to trust); `at` is its path in the tree it is part of
   * (a mount's destination), which paths below it are named from.
   */
  static async openRoot(root: string, at = "/"): Promise<RootedDir> {
    return new RootedDir(await open(root, constants.O_RDONLY | constants.O_DIRECTORY), at);
  }

  /** The descriptor's own path: the directory itself, for readdir and the f* calls by path. */
  get self(): string {
    return `/proc/self/fd/${this.dir.fd}`;
  }

  /** The open directory, for fchmod, fchown and futimes. */
  get handle(): FileHandle {
    return this.dir;
  }

  /** A path for `name` in this directory. `name` is one component: no `/`, not `.` or `..`. */
  child(name: string): string {
    if (name === "" || name === "." || name === ".." || name.includes("/")) throw new Error(`RootedDir.child: ${JSON.stringify(name)} is not one path component`);
    return `${this.self}/${name}`;
  }

  /**
   * Open the directory `name` below this one without following a symlink.
   * With `create`, a missing one is made (mode 0755). Throws PathChangedError
   * when it is a symlink or not a directory, ENOENT when it is missing.
   */
  async openDir(name: string, create = false): Promise<RootedDir> {
    const path = this.path === "/" ? `/${name}` : `${this.path}/${name}`;
    try {
      return new RootedDir(await open(this.child(name), DIR_FLAGS), path);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "ENOENT" && create) {
        await mkdir(this.child(name), 0o755).catch((m: NodeJS.ErrnoException) => {
          if (m.code !== "EEXIST") throw m;
        });
        return this.openDir(name, false);
      }
      if (code === "ELOOP" || code === "ENOTDIR") throw new PathChangedError(path, e);
      throw e;
    }
  }

  /**
   * Open the directory at `path` (clean and absolute inside the root, as
   * resolveInRoot returns it) one component at a time from this root.
   */
  async openPath(path: string, create = false): Promise<RootedDir> {
    // undefined stands for this directory, which stays open: the caller owns it.
    let dir: RootedDir | undefined;
    try {
      for (const part of path.split("/").filter((p) => p !== "")) {
        const next = await (dir ?? this).openDir(part, create);
        await dir?.close();
        dir = next;
      }
    } catch (e) {
      await dir?.close();
      throw e;
    }
    // The descriptor's path is itself a (magic) link: O_NOFOLLOW would refuse it.
    return dir ?? new RootedDir(await open(this.self, constants.O_RDONLY | constants.O_DIRECTORY), this.path);
  }

  async close(): Promise<void> {
    await this.dir.close();
  }
}
