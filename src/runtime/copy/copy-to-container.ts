import { realpath } from "node:fs/promises";
import { basename, dirname, resolve } from "node:path";
import type { Readable } from "node:stream";
import { planCopy } from "./copy-rules.js";
import { CopyPathNotFoundError, CopyRuleError } from "./errors.js";
import { extractArchive } from "./extract-archive.js";
import { MountedRoot } from "./mounted-root.js";
import { cleanContainerPath, resolveInRoot } from "./resolve-in-root.js";
import { statIfExists, transferTree, type CopyOptions } from "./transfer-tree.js";

/**
 * `docker cp SRC CONTAINER:DEST`: copy into the container whose root
 * filesystem is mounted at `rootfs` (a MountedRoot: with its volumes and
 * bind mounts over it, written to their sources).
 *
 * - `src` a host path: docker cp's rules (see planCopy); a symlink as its
 *   last component is copied as a link unless `followLink` (or a trailing `/`).
 * - `src` a Readable (`-`): an uncompressed tar, extracted into DEST, which
 *   must be an existing directory.
 *
 * DEST is resolved inside `rootfs` as if it were `/`, following symlinks
 * (also its last component, as docker does) but never out of the rootfs.
 * Every entry is written through open directories without following
 * symlinks (see extractArchive): hostile names (`..`, absolute), hard links
 * to outside the archive, relative symlinks climbing above the root and
 * device nodes are refused with UnsafeArchiveEntryError. Modes and mtimes
 * are kept, owners too when running as root. Throws CopyPathNotFoundError
 * for a missing source or destination parent and CopyRuleError when the
 * rules forbid the copy. Throws ReadOnlyDestinationError, before writing
 * anything, when the destination directory is in the rootfs of a
 * `--read-only` container or in a `:ro` mount (and for any entry that would
 * land in one), and MountPointReplaceError for an entry that would replace
 * a mount point (a file bind-mounted from the host: /etc/hosts, say).
 */
export async function copyToContainer(rootfs: string | MountedRoot, containerPath: string, src: string | Readable, opts: CopyOptions = {}): Promise<void> {
  const tree = MountedRoot.of(rootfs);
  const resolved = await resolveInRoot(tree, containerPath, true).catch((e: NodeJS.ErrnoException) => {
    throw e.code === "ENOTDIR" ? new CopyPathNotFoundError("container", containerPath, e) : e;
  });
  const found = await statIfExists(tree.hostPath(resolved), false);
  const extract = { preserveOwner: opts.preserveOwner, signal: opts.signal, confineSymlinks: true };

  if (typeof src !== "string") {
    if (found === undefined) throw new CopyPathNotFoundError("container", containerPath);
    if (!found.isDirectory()) throw new CopyRuleError("FAILED_PRECONDITION", containerPath, "a tar from `-` is extracted into a directory, and this is not one", "give the directory to extract into");
    tree.checkWritable(resolved);
    await extractArchive(src, tree, resolved, extract);
    return;
  }

  const follow = opts.followLink === true || src.endsWith("/") || src.endsWith("/.");
  const abs = resolve(src);
  // The source's directories are the user's own: resolve them (a symlinked /tmp, say) and open the real path.
  const real = follow ? await realpath(abs).catch(() => abs) : resolve(await realpath(dirname(abs)).catch(() => dirname(abs)), basename(abs));
  const st = await statIfExists(real, false);
  if (st === undefined) throw new CopyPathNotFoundError("host", src);
  const parent = await statIfExists(tree.hostPath(dirname(resolved)), false);
  const plan = planCopy(
    { path: src, isDir: st.isDirectory() },
    { path: containerPath.endsWith("/") ? `${resolved}/` : resolved, side: "container", exists: found !== undefined, isDir: found?.isDirectory() === true, parentIsDir: parent?.isDirectory() === true },
  );
  tree.checkWritable(cleanContainerPath(plan.dir));
  await transferTree({ root: "/", path: real }, plan.name, { root: tree, dest: plan.dir }, extract);
}
