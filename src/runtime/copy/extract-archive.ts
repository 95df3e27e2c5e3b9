import { constants } from "node:fs";
import { link, lchown, lstat, lutimes, mkdir, open, symlink, unlink } from "node:fs/promises";
import { posix } from "node:path";
import type { Header } from "tar-stream";
import { CopyRuleError, MountPointReplaceError, UnsafeArchiveEntryError } from "./errors.js";
import { checkSymlinkTarget, entryComponents, joinInRoot } from "./entry-names.js";
import { MountedRoot } from "./mounted-root.js";
import { resolveInRoot } from "./resolve-in-root.js";
import { RootedDir } from "./rooted-dir.js";
import { readTarInput } from "./tar-input.js";

/** Options for {@link extractArchive}. */
export interface ExtractOptions {
  /** Give entries the archive's uid/gid; default: when this process is root (it must be, to chown). */
  readonly preserveOwner?: boolean;
  /** Refuse relative symlink targets that climb above the root (copies into a container); default true. */
  readonly confineSymlinks?: boolean;
  /** More entries than this fail the copy; default 1 000 000. */
  readonly maxEntries?: number;
  readonly signal?: AbortSignal;
}

interface Context {
  readonly tree: MountedRoot;
  readonly opts: ExtractOptions;
  readonly preserveOwner: boolean;
  /** Archive name → where it was written (parent dir and name), for hard links. */
  readonly written: Map<string, { dir: string; name: string }>;
  /** Directories made or met, to get their mode, owner and times after their contents. */
  readonly dirs: { path: string; header: Header }[];
}

const FILE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

/**
 * Write the tar stream `input` into the directory `dest` (a path inside
 * `root`, which must exist) as `docker cp` does, safely: each entry's
 * parent is resolved inside `root` as if it were `/` (symlinks, also those
 * the archive made, are followed but never out of it), then opened a
 * component at a time without following symlinks, and the entry is written
 * relative to that open directory, never through a symlink. Names that are
 * absolute or hold `..`, hard links to anything but an earlier entry,
 * relative symlinks climbing above the root, and device nodes or FIFOs are
 * refused with UnsafeArchiveEntryError. Modes (with setuid/setgid/sticky),
 * mtimes and, as root, owners are kept; directories get theirs after their
 * contents. An existing file is replaced; an existing directory is merged
 * into, and never replaced by a non-directory. A `.` entry (the
 * destination itself) leaves the destination's own metadata alone.
 *
 * A MountedRoot is written as the container sees it: an entry under a
 * mount point goes to the mount's source. Each entry's directory must take
 * writes (ReadOnlyDestinationError for a `--read-only` rootfs or a `:ro`
 * mount); a directory entry at a mount point merges into the mount, leaving
 * the host directory's metadata alone, and any other entry there is refused
 * with MountPointReplaceError (the kernel would say EBUSY).
 *
 * On an error, what was written stays (as with docker cp).
 */
export async function extractArchive(input: AsyncIterable<Uint8Array>, root: string | MountedRoot, dest: string, opts: ExtractOptions = {}): Promise<void> {
  const tree = MountedRoot.of(root);
  const ctx: Context = { tree, opts, preserveOwner: opts.preserveOwner ?? process.getuid?.() === 0, written: new Map(), dirs: [] };
  await (await tree.openDir(dest)).close();
  for await (const { header, body } of readTarInput(input, opts.maxEntries ?? 1_000_000, opts.signal)) {
    opts.signal?.throwIfAborted();
    const parts = entryComponents(header.name);
    if (parts.length === 0) {
      for await (const _ of body) opts.signal?.throwIfAborted();
      continue;
    }
    const path = joinInRoot(dest, parts);
    const parentPath = await resolveInRoot(tree, posix.dirname(path));
    // Before the parent is opened: opening it makes missing directories.
    tree.checkWritable(parentPath);
    const parent = await tree.openDir(parentPath, true);
    try {
      await writeEntry(ctx, parent, posix.basename(path), parts.join("/"), header, body);
    } finally {
      await parent.close();
    }
  }
  for (const { path, header } of ctx.dirs.reverse()) {
    const dir = await tree.openDir(path);
    try {
      if (ctx.preserveOwner) await dir.handle.chown(header.uid, header.gid);
      await dir.handle.chmod(header.mode & 0o7777);
      await dir.handle.utimes(header.mtime, header.mtime);
    } finally {
      await dir.close();
    }
  }
}

async function writeEntry(ctx: Context, parent: RootedDir, name: string, key: string, header: Header, body: AsyncIterable<Uint8Array>): Promise<void> {
  const mount = ctx.tree.mountAt(joinInRoot(parent.path, [name]));
  if (mount !== undefined) {
    // The host's directory keeps its own mode and owner (as a `.` entry leaves the destination's).
    if (header.type === "directory" && (await lstat(mount.source)).isDirectory()) return;
    throw new MountPointReplaceError(mount.destination, mount.source, header.name);
  }
  const at = parent.child(name);
  const existing = await lstat(at).catch((e: NodeJS.ErrnoException) => {
    if (e.code === "ENOENT") return undefined;
    throw e;
  });
  if (header.type === "directory") {
    if (existing !== undefined && !existing.isDirectory()) await unlink(at);
    if (existing === undefined || !existing.isDirectory()) await mkdir(at, 0o700);
    ctx.dirs.push({ path: joinInRoot(parent.path, [name]), header });
    return;
  }
  if (existing?.isDirectory()) {
    throw new CopyRuleError("FAILED_PRECONDITION", joinInRoot(parent.path, [name]), `cannot overwrite a directory with the archive's ${header.type} ${JSON.stringify(header.name)}`, "remove the directory first, or copy somewhere else");
  }
  if (existing !== undefined) await unlink(at);
  switch (header.type) {
    case "file":
    case "contiguous-file":
      await writeFile(ctx, at, header, body);
      break;
    case "symlink":
      if (ctx.opts.confineSymlinks ?? true) checkSymlinkTarget(header.name, parent.path, header.linkname);
      await symlink(header.linkname, at);
      if (ctx.preserveOwner) await lchown(at, header.uid, header.gid);
      await lutimes(at, header.mtime, header.mtime);
      break;
    case "link": {
      const target = ctx.written.get(linkKey(header));
      if (target === undefined) throw new UnsafeArchiveEntryError(header.name, `a hard link to ${JSON.stringify(header.linkname)}, which is not a file earlier in this archive`);
      const dir = await ctx.tree.openDir(target.dir);
      try {
        await link(dir.child(target.name), at);
      } finally {
        await dir.close();
      }
      break;
    }
    default:
      throw new UnsafeArchiveEntryError(header.name, `a ${header.type} is not copied (device nodes and FIFOs are refused)`);
  }
  if (header.type === "file" || header.type === "contiguous-file") ctx.written.set(key, { dir: parent.path, name });
}

async function writeFile(ctx: Context, at: string, header: Header, body: AsyncIterable<Uint8Array>): Promise<void> {
  const file = await open(at, FILE_FLAGS, 0o600);
  try {
    for await (const chunk of body) {
      ctx.opts.signal?.throwIfAborted();
      await file.write(chunk);
    }
    // Owner before mode: chown clears setuid and setgid.
    if (ctx.preserveOwner) await file.chown(header.uid, header.gid);
    await file.chmod(header.mode & 0o7777);
    await file.utimes(header.mtime, header.mtime);
  } finally {
    await file.close();
  }
}

/** The archive name a hard link points at; one that could be outside (absolute, `..`) is refused naming the link. */
function linkKey(header: Header): string {
  try {
    return entryComponents(header.linkname).join("/");
  } catch {
    throw new UnsafeArchiveEntryError(header.name, `a hard link to ${JSON.stringify(header.linkname)}, which is outside the archive`);
  }
}
