import { realpath } from "node:fs/promises";
import { dirname, posix, resolve } from "node:path";
import type { Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { Readable } from "node:stream";
import { pack as tarPack } from "tar-stream";
import { planCopy } from "./copy-rules.js";
import { CopyPathNotFoundError } from "./errors.js";
import { MountedRoot } from "./mounted-root.js";
import { packTree } from "./pack-tree.js";
import { cleanContainerPath, resolveInRoot } from "./resolve-in-root.js";
import { statIfExists, transferTree, type CopyOptions } from "./transfer-tree.js";

/**
 * `docker cp CONTAINER:SRC DEST`: copy `containerPath` out of the container
 * whose root filesystem is mounted at `rootfs` (a MountedRoot: with its
 * volumes and bind mounts over it, read from their sources).
 *
 * - `dest` a host path: docker cp's rules (see planCopy): into an existing
 *   directory as the source's name, onto an existing file, or as a new
 *   path whose parent exists; `SRC/.` copies a directory's contents.
 * - `dest` a Writable (`-`): a tar of the source, named after its last
 *   component (its contents only for `SRC/.`), ended unless `opts.end` is false.
 *
 * Files written on the host belong to the caller unless `preserveOwner`
 * (`-a`) keeps the container's uid/gid, as docker's. `containerPath` is
 * resolved inside `rootfs` as if it were `/` (see resolveInRoot); a symlink as its last component is copied as a link
 * unless `followLink` (or a trailing `/`). Symlinks in the copied tree are
 * copied as links, never followed. Throws CopyPathNotFoundError for a
 * missing source or destination parent, CopyRuleError when the rules
 * forbid the copy, TooManySymlinksError on a loop, PathChangedError when
 * the container swaps a path for a symlink meanwhile.
 */
export async function copyFromContainer(rootfs: string | MountedRoot, containerPath: string, dest: string | Writable, opts: CopyOptions = {}): Promise<void> {
  const tree = MountedRoot.of(rootfs);
  const follow = opts.followLink === true || containerPath.endsWith("/") || containerPath.endsWith("/.");
  const resolved = await resolveInRoot(tree, containerPath, follow).catch((e: NodeJS.ErrnoException) => {
    throw e.code === "ENOTDIR" ? new CopyPathNotFoundError("container", containerPath, e) : e;
  });
  const st = await statIfExists(tree.hostPath(resolved), false);
  if (st === undefined) throw new CopyPathNotFoundError("container", containerPath);
  const src = { path: containerPath, isDir: st.isDirectory() };
  const extract = { preserveOwner: opts.preserveOwner === true, signal: opts.signal, confineSymlinks: false };

  if (typeof dest !== "string") {
    const contentsOnly = src.isDir && (containerPath.endsWith("/.") || cleanContainerPath(containerPath) === "/");
    const pack = tarPack();
    const producing = packTree(pack, { root: tree, path: resolved }, contentsOnly ? "" : posix.basename(cleanContainerPath(containerPath)), opts.signal)
      .then(() => pack.finalize(), (e: unknown) => {
        pack.destroy(e instanceof Error ? e : new Error(String(e)));
        throw e;
      });
    const writing = pipeline(Readable.from(pack as AsyncIterable<Uint8Array>), dest, { end: opts.end ?? true, ...(opts.signal && { signal: opts.signal }) });
    await Promise.all([producing, writing]);
    return;
  }

  const hostDest = await realHostPath(dest);
  const found = await statIfExists(hostDest, true);
  const parent = await statIfExists(dirname(resolve(hostDest)), true);
  const plan = planCopy(src, { path: hostDest, side: "host", exists: found !== undefined, isDir: found?.isDirectory() === true, parentIsDir: parent?.isDirectory() === true });
  await transferTree({ root: tree, path: resolved }, plan.name, { root: await realpath(plan.dir), dest: "/" }, extract);
}

/** `dest` made absolute, through its symlinks when it exists (docker cp writes to a link's target), keeping a trailing `/`. */
async function realHostPath(dest: string): Promise<string> {
  const abs = resolve(dest);
  const real = await realpath(abs).catch(() => abs);
  return dest.endsWith("/") && !real.endsWith("/") ? `${real}/` : real;
}
