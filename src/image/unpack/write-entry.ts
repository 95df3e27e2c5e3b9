import {
  chmodSync, closeSync, fchmodSync, fchownSync, futimesSync, lchownSync, linkSync, lstatSync, lutimesSync, mkdirSync, openSync,
  symlinkSync, writeSync,
} from "node:fs";
import type { ExtractContext } from "./extract-context.js";
import type { TarEntry } from "./tar-reader.js";
import { LayerEntryError, quoteEntry } from "./unpack-errors.js";
import { OPAQUE_XATTR } from "./xattr-writer.js";

/** Files up to this size are gathered in memory and written in one go. */
const SMALL_FILE = 1 << 20;

/** Bounds a tar time to what the filesystem takes, as containerd's boundTime: before 1970 becomes 1970. */
const bound = (ms: number): number => (Number.isFinite(ms) && ms > 0 ? ms : 0);

/**
 * Create the entry at `path` (inside the root, its parent a real directory),
 * failing with EEXIST when something is in the way (except a directory for
 * a directory, which merges) so the caller can replace it, then apply owner,
 * xattrs, mode and times in containerd's order (chown before chmod: chown
 * clears setuid bits). Regular files are created exclusively and written
 * through their own descriptor; a hard link's target is resolved inside the
 * root; a symlink's target is stored as it is and never followed. Devices
 * and fifos need root and `allowDevices`, else they are skipped with a warning.
 * Returns false when the entry was skipped.
 *
 * The system calls are synchronous on purpose: on the page cache each takes
 * microseconds, while an awaited call costs a thread-pool round trip, and
 * extraction did little else than wait for those. The event loop still gets
 * a turn at every chunk of the stream.
 */
export async function writeEntry(ctx: ExtractContext, path: string, entry: TarEntry): Promise<boolean> {
  const ownerBits = ctx.privileged ? 0 : 0o700;
  switch (entry.type) {
    case "directory":
      try {
        mkdirSync(path, { mode: 0o700 });
      } catch (e) {
        // A directory over a directory merges; over anything else, the caller replaces it.
        if ((e as NodeJS.ErrnoException).code !== "EEXIST" || !lstatSync(path).isDirectory()) throw e;
      }
      ctx.resolver.rememberDirectory(path);
      ctx.implicitDirs.delete(path);
      chmodSync(path, entry.mode | ownerBits);
      break;
    case "file":
      await writeFile(ctx, path, entry);
      return true;
    case "char":
    case "block":
    case "fifo":
      if (!ctx.privileged || !ctx.allowDevices) {
        ctx.warn(entry.name, `${entry.type === "fifo" ? "fifo" : `${entry.type} device ${entry.devmajor}:${entry.devminor}`} skipped: ${ctx.privileged ? "device nodes are not allowed" : "creating it needs root"}`);
        return false;
      }
      if (lstatSync(path, { throwIfNoEntry: false }) !== undefined) throw Object.assign(new Error(`${path} exists`), { code: "EEXIST" });
      await ctx.specials.makeNode(path, entry.type, entry.mode, entry.devmajor, entry.devminor);
      break;
    case "link":
      linkSync(await linkTarget(ctx, entry), path);
      // A hard link of a symlink is a symlink.
      ctx.resolver.invalidateBelow(path);
      break;
    case "symlink":
      symlinkSync(entry.linkname, path);
      ctx.resolver.invalidateBelow(path);
      break;
  }
  if (ctx.privileged) lchownSync(path, entry.uid, entry.gid);
  const isSymlink = entry.type === "symlink" || (entry.type === "link" && lstatSync(path).isSymbolicLink());
  queueXattrs(ctx, path, entry, isSymlink);
  if (entry.type === "directory") {
    ctx.defer(path, { mode: entry.mode, atime: times(entry).atime, mtime: times(entry).mtime });
    return true;
  }
  // chmod follows symlinks and Node has no lchmod: a symlink keeps its 0777.
  if (!isSymlink) chmodSync(path, entry.mode);
  const t = times(entry);
  lutimesSync(path, t.atime / 1000, t.mtime / 1000);
  return true;
}

async function linkTarget(ctx: ExtractContext, entry: TarEntry): Promise<string> {
  const target = await ctx.resolver.hardlinkTarget(entry.linkname);
  const refuse = (why: string): LayerEntryError =>
    new LayerEntryError(ctx.layer, entry.name, `hard link target ${quoteEntry(entry.linkname)} ${why}`);
  if (target === ctx.root) throw refuse("resolves to the layer's root or outside it");
  const st = lstatSync(target, { throwIfNoEntry: false });
  if (st === undefined) throw refuse("does not exist in this layer");
  if (st.isDirectory()) throw refuse("is a directory");
  return target;
}

async function writeFile(ctx: ExtractContext, path: string, entry: TarEntry): Promise<void> {
  // "wx": O_CREAT|O_EXCL, so nothing that appeared at path (a symlink) is ever opened through.
  // Opened before the body is read: on EEXIST the caller replaces the path and writes the entry again.
  const fd = openSync(path, "wx", 0o600);
  try {
    // A small file is gathered first and written with one call.
    if (entry.size <= SMALL_FILE) writeAll(fd, await readAll(entry));
    else for await (const chunk of entry.body()) writeAll(fd, chunk);
    if (ctx.privileged) fchownSync(fd, entry.uid, entry.gid);
    fchmodSync(fd, entry.mode);
    const t = times(entry);
    futimesSync(fd, t.atime / 1000, t.mtime / 1000);
  } finally {
    closeSync(fd);
  }
  queueXattrs(ctx, path, entry, false);
}

async function readAll(entry: TarEntry): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of entry.body()) chunks.push(chunk);
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
}

function writeAll(fd: number, chunk: Buffer): void {
  for (let at = 0; at < chunk.length;) at += writeSync(fd, chunk, at, chunk.length - at);
}

function times(entry: TarEntry): { atime: number; mtime: number } {
  const mtime = bound(entry.mtime);
  return { mtime, atime: Math.max(bound(entry.atime ?? mtime), mtime) };
}

function queueXattrs(ctx: ExtractContext, path: string, entry: TarEntry, isSymlink: boolean): void {
  for (const [name, value] of entry.xattrs) {
    const skip = (why: string): void => ctx.warn(entry.name, `xattr ${JSON.stringify(name)} skipped: ${why}`);
    if (!ctx.privileged) skip("setting extended attributes needs root");
    else if (name.startsWith("trusted.overlay.") || name === OPAQUE_XATTR) skip("overlayfs attributes from a layer could change what other layers show");
    else if (name.startsWith("user.") && (isSymlink || (entry.type !== "file" && entry.type !== "directory"))) {
      skip("user.* attributes exist only on files and directories");
    } else {
      const refused = ctx.xattrs.set(path, name, value);
      if (refused !== undefined) skip(refused);
      else ctx.entryAt.set(path, entry.name);
    }
  }
}
