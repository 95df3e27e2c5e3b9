import { mkdirSync, realpathSync } from "node:fs";
import { access, readFile, realpath, rm } from "node:fs/promises";
import { join } from "node:path";
import { RootfsError } from "./errors.js";
import { execTool, mountPoints } from "./internal/exec-tool.js";
import { isLaunchable } from "./internal/shell-launcher.js";

let mountProgram: readonly string[] | undefined;

/**
 * busybox's mount when it is there (setup installs busybox-static), else
 * util-linux's: the same mount(2) with the same options, without loading
 * libmount, libblkid and libselinux first — 0.7 ms against 1.3 for each
 * container start here, on the path of every `run`. A mount busybox fails
 * is tried again with util-linux's (see mount).
 */
function mountCommand(): readonly string[] {
  return (mountProgram ??= isLaunchable("busybox") ? ["busybox", "mount"] : ["mount"]);
}

/**
 * A container's root filesystem: an overlayfs of the image's snapshots
 * (read-only lower dirs, top first) and a writable layer of its own, all
 * under the container's directory:
 *
 * ```
 * <root>/containers/<id>/
 *   upper/    the container's changes
 *   work/     overlayfs's scratch dir (same filesystem as upper/)
 *   empty/    the only lower dir of an image without layers
 *   rootfs/   the mount point: what the container sees as /
 * ```
 * Lifecycle: mount → (run) → unmount, which also removes the writable layer.
 */
export class OverlayRootfs implements AsyncDisposable {
  private mounted = true;

  private constructor(readonly dir: string, readonly path: string) {}

  /**
   * Mount the overlay in `containerDir` (created) with `lowerDirs`, top
   * first. Needs root and an overlay-capable kernel; otherwise throws
   * RootfsError saying which, and leaves nothing mounted.
   */
  static async mount(dir: string, lowerDirs: readonly string[]): Promise<OverlayRootfs> {
    if (process.getuid?.() !== 0) {
      throw new RootfsError("PERMISSION_DENIED", join(dir, "rootfs"), "mounting an overlay needs root", "run berth as root (rootless containers come later)");
    }
    // Synchronous, as the directories below: a few microseconds each, on the path of every start, where
    // each asynchronous call waits for libuv's threads (and for a core, on a busy machine).
    mkdirSync(dir, { recursive: true });
    // /proc/self/mountinfo shows real paths; unmount() looks the mount up there.
    const containerDir = realpathSync(dir);
    const path = join(containerDir, "rootfs");
    const bad = [containerDir, ...lowerDirs].find((d) => /[,:\\\n]/.test(d));
    if (bad !== undefined) {
      throw new RootfsError("INVALID_ARGUMENT", path, `"${bad}" holds a character overlayfs options cannot carry (, : \\ newline)`, "use a --root without those characters");
    }
    const upper = join(containerDir, "upper");
    const work = join(containerDir, "work");
    const lowers = lowerDirs.length > 0 ? lowerDirs : [join(containerDir, "empty")];
    for (const d of [upper, work, path, ...(lowerDirs.length > 0 ? [] : lowers)]) mkdirSync(d, { recursive: true });
    const options = `lowerdir=${lowers.join(":")},upperdir=${upper},workdir=${work}`;
    const args = ["-t", "overlay", "overlay", "-o", options, path];
    const [program = "mount", ...pre] = mountCommand();
    const mountWith = (cmd: string, cmdArgs: readonly string[]): Promise<{ code: number | null; stderr: string }> =>
      execTool(cmd, cmdArgs).catch((e: Error) => ({ code: -1, stderr: e.message }));
    let r = await mountWith(program, [...pre, ...args]);
    // A busybox without a mount applet, or one that words an option otherwise: util-linux's mount decides, and its message is the one shown.
    if (r.code !== 0 && program !== "mount") r = await mountWith("mount", args);
    if (r.code !== 0) {
      const unsupported = /unknown filesystem type|no such device/i.test(r.stderr);
      throw new RootfsError("FAILED_PRECONDITION", path, `mount -t overlay failed: ${r.stderr || `exit ${r.code}`}`, unsupported
        ? "this kernel lacks overlayfs: modprobe overlay"
        : options.length > 4000 ? "too many layers for one mount's options (a page)" : "check that the snapshots and the berth root are on a filesystem overlayfs accepts");
    }
    return new OverlayRootfs(containerDir, path);
  }

  /**
   * The rootfs a crashed berth left in `containerDir`, mounted or not, so
   * that {@link unmount} can clean it up.
   */
  static async existing(containerDir: string): Promise<OverlayRootfs> {
    const dir = await realpath(containerDir);
    return new OverlayRootfs(dir, join(dir, "rootfs"));
  }

  /**
   * Unmount (lazily when busy) and remove the writable layer and mount
   * point — or, with `keepWritableLayer`, only unmount (a stopped container
   * keeps its changes for its next start). Refuses to delete anything while
   * the mount is still visible, since a recursive delete would go through it
   * into the image's snapshots. Safe to call twice.
   */
  async unmount(opts: { keepWritableLayer?: boolean } = {}): Promise<void> {
    if (this.mounted) {
      for (let attempt = 0; attempt < 3 && (await isMountPoint(this.path)); attempt++) {
        await execTool("umount", attempt === 0 ? [this.path] : ["--lazy", this.path]);
      }
      if (await isMountPoint(this.path)) {
        throw new RootfsError("INTERNAL", this.path, "still mounted after umount and umount --lazy", `unmount it by hand, then remove ${this.dir}`);
      }
      this.mounted = false;
    }
    if (opts.keepWritableLayer) return;
    for (const d of ["upper", "work", "empty", "rootfs"]) await rm(join(this.dir, d), { recursive: true, force: true, maxRetries: 3 });
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.unmount();
  }
}

/** True when `path` is a mount point in this process's mount namespace. */
export async function isMountPoint(path: string): Promise<boolean> {
  try {
    await access(path);
  } catch {
    return false;
  }
  return mountPoints(await readFile("/proc/self/mountinfo", "utf8")).includes(path);
}
