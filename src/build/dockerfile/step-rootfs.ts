import { execFile } from "node:child_process";
import { chmod, mkdir, realpath, rm, symlink, writeFile } from "node:fs/promises";
import { dirname, join, posix } from "node:path";
import { buildStepMountPoints, isMountPoint, RootfsError, type StepMountPoint } from "../../runtime/index.js";

/**
 * The filesystem of one layer-making step (RUN, COPY, ADD): an overlayfs of
 * the image's snapshots with a fresh writable layer, as docker's legacy
 * builder gives each step a container:
 *
 * ```
 * <stepDir>/
 *   init/     mount points runc needs (dev/, proc/, sys/, etc/hosts, …): the BOTTOM lower dir,
 *             so runc never makes them in upper/ and the image's own files hide them
 *   upper/    the step's changes: its layer, then its snapshot (see commitStep)
 *   work/     overlayfs's scratch dir
 *   rootfs/   the merged view the step changes
 *   l/        short links to the lower dirs, only while mounting
 * ```
 *
 * Mounted with index, redirect_dir and metacopy off, so upper/ always holds
 * whole files and directories (a renamed lower directory is copied, a chmod
 * copies the data): the upper dir is the diff, as docker's overlay2 needs it.
 * Lifecycle: {@link mountStepRootfs} → change {@link rootfs} → {@link unmount}
 * (upper/ kept for the commit) → {@link discard} (everything gone).
 */
export class StepRootfs implements AsyncDisposable {
  private mounted = true;

  /** @internal made by {@link mountStepRootfs}. */
  constructor(readonly dir: string, readonly rootfs: string, readonly upperDir: string) {}

  /**
   * Unmount (lazily when busy) and remove everything but upper/. Refuses to
   * remove anything while the mount is still visible (a recursive delete
   * would go through it into the snapshots). Safe to call twice.
   */
  async unmount(): Promise<void> {
    if (this.mounted) {
      await unmountAt(this.rootfs);
      this.mounted = false;
    }
    for (const d of ["work", "init", "rootfs"]) await rm(join(this.dir, d), { recursive: true, force: true, maxRetries: 3 });
  }

  /** Unmount and remove the whole step directory, upper/ included. Safe to call twice. */
  async discard(): Promise<void> {
    await this.unmount();
    await rm(this.dir, { recursive: true, force: true, maxRetries: 3 });
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.discard();
  }
}

/** A read-only merged view of snapshots (COPY --from a stage or image). */
export interface ReadOnlyRootfs extends AsyncDisposable {
  /** The mount point. */
  readonly path: string;
  /** Unmount, then remove what {@link mountReadOnly} made in its `dir` (`dir` itself stays). Safe to call twice. */
  unmount(): Promise<void>;
}

/**
 * Mount a step's rootfs in `stepDir` (created; must not hold one already):
 * `lowerDirs` (the image's snapshot dirs, top first; none for scratch) over
 * an init layer holding `mountPoints`: runtime's buildStepMountPoints for
 * the step's binds; by default those of a step without binds but with the
 * host's CA file (hostTrust), whose empty mount point is harmless when the
 * step runs without it. Needs root and overlayfs: otherwise RootfsError
 * saying which, with nothing left mounted.
 */
export async function mountStepRootfs(stepDir: string, lowerDirs: readonly string[], mountPoints?: readonly StepMountPoint[]): Promise<StepRootfs> {
  requireRoot(stepDir);
  await mkdir(stepDir, { recursive: true });
  const dir = await realpath(stepDir);
  const [init, upper, work, rootfs] = ["init", "upper", "work", "rootfs"].map((d) => join(dir, d)) as [string, string, string, string];
  for (const d of [init, upper, work, rootfs]) await mkdir(d);
  try {
    // overlayfs gives the merged root the upper root's mode: docker's 0755, whatever the umask.
    await chmod(upper, 0o755);
    await makeInitLayer(init, mountPoints ?? (await buildStepMountPoints({ hostTrust: true })));
    await mountOverlay(rootfs, lowerDirs, init, [`upperdir=${upper}`, `workdir=${work}`, "index=off", "redirect_dir=off", "metacopy=off"]);
  } catch (e) {
    for (const d of [init, upper, work, rootfs]) await rm(d, { recursive: true, force: true });
    throw e;
  }
  return new StepRootfs(dir, rootfs, upper);
}

/**
 * Mount the merged view of `lowerDirs` (top first) read-only at `dir`/rootfs
 * (`dir` created). overlayfs needs two lower dirs without an upper one, so
 * an empty one goes at the bottom (which also hides whiteouts of a single
 * snapshot); with no lower dirs the view is an empty directory.
 */
export async function mountReadOnly(dir: string, lowerDirs: readonly string[]): Promise<ReadOnlyRootfs> {
  requireRoot(dir);
  await mkdir(dir, { recursive: true });
  const real = await realpath(dir);
  const path = join(real, "rootfs");
  const empty = join(real, "empty");
  await mkdir(path);
  await mkdir(empty);
  let mounted = false;
  const unmount = async (): Promise<void> => {
    if (mounted) await unmountAt(path);
    mounted = false;
    await rm(path, { recursive: true, force: true });
    await rm(empty, { recursive: true, force: true });
  };
  if (lowerDirs.length > 0) {
    await mountOverlay(path, lowerDirs, empty, ["ro"]).catch(async (e: unknown) => {
      await unmount();
      throw e;
    });
    mounted = true;
  }
  return { path, unmount, [Symbol.asyncDispose]: unmount };
}

function requireRoot(dir: string): void {
  if (process.getuid?.() !== 0) {
    throw new RootfsError("PERMISSION_DENIED", dir, "mounting an overlay needs root", "run berth build as root (rootless builds come later)");
  }
}

async function makeInitLayer(init: string, mountPoints: readonly StepMountPoint[]): Promise<void> {
  for (const m of mountPoints) {
    const rel = posix.normalize(m.path).replace(/^\/+/, "");
    if (!m.path.startsWith("/") || rel === "" || rel.split("/").includes("..")) {
      throw new RootfsError("INVALID_ARGUMENT", init, `mount point ${JSON.stringify(m.path)} is not an absolute path inside the rootfs`, "give clean absolute paths");
    }
    const host = join(init, rel);
    await mkdir(m.kind === "directory" ? host : dirname(host), { recursive: true, mode: 0o755 });
    if (m.kind === "file") await writeFile(host, "", { mode: 0o644, flag: "a" });
  }
}

/**
 * `mount -t overlay` with `lowers` (top first) over `bottom`. The lowers are
 * named by short symlinks (`0`, `1`, …) in a scratch dir next to `target`
 * where mount runs, as docker's overlay2 names them by `l/` links: mount
 * options must fit in one page, and at ~70 bytes a snapshot path would cap
 * a build at about fifty layers. overlayfs resolves the links at mount time;
 * they are removed right after.
 */
async function mountOverlay(target: string, lowers: readonly string[], bottom: string, options: readonly string[]): Promise<void> {
  const bad = [target, bottom, ...options].find((d) => /[,:\\\n]/.test(d.replace(/^(upperdir|workdir)=/, "")));
  if (bad !== undefined) {
    throw new RootfsError("INVALID_ARGUMENT", target, `"${bad}" holds a character overlayfs options cannot carry (, : \\ newline)`, "use a --root without those characters");
  }
  const links = join(dirname(target), "l");
  await mkdir(links);
  try {
    for (const [i, d] of lowers.entries()) await symlink(d, join(links, String(i)));
    const lowerdir = [...lowers.map((_, i) => String(i)), bottom].join(":");
    const opts = [...options.filter((o) => o === "ro"), `lowerdir=${lowerdir}`, ...options.filter((o) => o !== "ro")].join(",");
    const r = await tool("mount", ["-t", "overlay", "overlay", "-o", opts, target], links);
    if (r.code !== 0) {
      throw new RootfsError("FAILED_PRECONDITION", target, `mount -t overlay failed: ${r.stderr || `exit ${r.code}`}`, /unknown filesystem type|no such device/i.test(r.stderr)
        ? "this kernel lacks overlayfs: modprobe overlay"
        : lowers.length > 400 ? "overlayfs stacks at most 500 layers: squash some steps" : "check that the snapshots and the build directory are on a filesystem overlayfs accepts");
    }
  } finally {
    await rm(links, { recursive: true, force: true });
  }
}

/**
 * Remove a step directory left by a build that is gone (a step's rootfs, or
 * a read-only view, at `<dir>/rootfs`): unmount first, as a recursive delete
 * through a live mount would reach into the snapshots; throws, removing
 * nothing, when it stays mounted.
 */
export async function discardStepDir(dir: string): Promise<void> {
  await unmountAt(join(dir, "rootfs"));
  await rm(dir, { recursive: true, force: true, maxRetries: 3 });
}

async function unmountAt(path: string): Promise<void> {
  for (let attempt = 0; attempt < 3 && (await isMountPoint(path)); attempt++) {
    await tool("umount", attempt === 0 ? [path] : ["--lazy", path]);
  }
  if (await isMountPoint(path)) throw new RootfsError("INTERNAL", path, "still mounted after umount and umount --lazy", `unmount it by hand, then remove ${dirname(path)}`);
}

/** Run mount or umount (no shell, stdout dropped, 60 s at most); resolves with its exit code and stderr. */
function tool(cmd: string, args: readonly string[], cwd?: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: 60_000, encoding: "utf8", ...(cwd !== undefined && { cwd }) }, (err, _out, stderr) => {
      const code = err === null ? 0 : typeof err.code === "number" ? err.code : -1;
      resolve({ code, stderr: (stderr || (err?.message ?? "")).trim() });
    });
  });
}
