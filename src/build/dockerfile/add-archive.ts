import {
  chmodSync, closeSync, constants, fchmodSync, fchownSync, futimesSync, lchownSync, linkSync, lstatSync, lutimesSync, mkdirSync, openSync, rmSync,
  symlinkSync, writeSync,
} from "node:fs";
import { posix } from "node:path";
import { ArchiveFormatError, readTarEntries, type ArchiveTarEntry } from "../../image/index.js";
import { resolveInRoot } from "../../runtime/index.js";
import { DecompressError, decompressedFile, fileCompression, type ArchiveCompression } from "./add-decompress.js";
import { ensureDirectory } from "./copy-destination.js";
import { UnsafeArchiveError } from "./copy-errors.js";
import type { CopyOwner } from "./copy-owner.js";

/** Where and how {@link extractArchive} writes. */
export interface ArchiveTarget {
  /** Host path of an existing directory (symlink free) to extract into: the root every entry is confined to. */
  readonly root: string;
  /** `--chown`: owner of every entry; default the owners in the archive, as docker keeps them. */
  readonly owner?: CopyOwner;
  /** Apply owners; default: running as root. */
  readonly privileged?: boolean;
  /** Names the archive in errors (the source as the Dockerfile gives it). */
  readonly name: string;
  readonly signal?: AbortSignal;
}

const FILE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
const ROOT: CopyOwner = { uid: 0, gid: 0 };
const MAX_ENTRIES = 1_000_000;

/**
 * The compression of the file at `path` when ADD should extract it, else
 * undefined: docker extracts a local file whose first bytes are a tar
 * header (checksum valid, after gzip, bzip2 or xz is undone) whatever its
 * name, and copies anything else as it is. Throws when the decoder it
 * needs (bzip2, xz) is not installed, rather than copying the archive
 * unextracted.
 */
export async function archiveCompression(path: string): Promise<ArchiveCompression | undefined> {
  const compression = await fileCompression(path);
  let head = Buffer.alloc(0);
  try {
    for await (const chunk of decompressedFile(path, compression)) {
      head = Buffer.concat([head, chunk]);
      if (head.length >= 512) break;
    }
  } catch (e) {
    if (!(e instanceof DecompressError) || e.isToolMissing) throw e;
    return undefined; // not decompressible: a plain file that happens to start like gzip
  }
  return head.length >= 512 && isTarHeader(head.subarray(0, 512)) ? compression : undefined;
}

/** Go's archive/tar check of a first header block: not all zeros, and its checksum (unsigned or signed) right. */
export function isTarHeader(block: Uint8Array): boolean {
  if (block.every((b) => b === 0)) return false;
  const field = Buffer.from(block.subarray(148, 156)).toString("latin1").replace(/^[ \0]+|[ \0]+$/g, "");
  if (!/^[0-7]*$/.test(field)) return false;
  const want = field === "" ? 0 : parseInt(field, 8);
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < 512; i++) {
    const b = i >= 148 && i < 156 ? 0x20 : block[i]!;
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  return want === unsigned || want === signed;
}

/**
 * Extract the archive at `path` into `target.root` as docker's ADD does —
 * as if the root were `/` (docker chroots there): names are cleaned with
 * `..` stopping at the root and absolute names taken as relative; parents
 * are resolved with symlinks followed inside the root and made when missing
 * (0755, root); an existing entry is replaced unless a directory meets a
 * directory (merged, taking the archive's metadata); a hard link must name
 * a non-directory inside the root; symlink targets are stored as written.
 * Modes with setuid bits, mtimes and owners (or `owner`) are kept.
 *
 * Refused with UnsafeArchiveError: device nodes and FIFOs, `.wh.` names
 * (the layer made from this step would read them as whiteouts), a hard
 * link to nothing, a corrupt stream. Extended attributes are not applied.
 * Nothing is ever written outside the root. Returns the number of
 * entries, of regular files among them and of their bytes.
 */
export async function extractArchive(path: string, compression: ArchiveCompression, target: ArchiveTarget): Promise<{ entries: number; files: number; bytes: number }> {
  const privileged = target.privileged ?? process.getuid?.() === 0;
  const root = target.root;
  const dirs: { host: string; mode: number; mtime: number }[] = [];
  let entries = 0;
  let files = 0;
  let bytes = 0;
  let last: string | undefined;
  try {
    for await (const entry of readTarEntries(decompressedFile(path, compression, target.signal), { maxEntries: MAX_ENTRIES, ...(target.signal && { signal: target.signal }) })) {
      last = entry.header.name;
      const dir = await writeEntry(entry, { root, privileged, owner: target.owner, name: target.name });
      if (dir !== undefined) dirs.push(dir);
      for await (const _ of entry.body) target.signal?.throwIfAborted(); // whatever writeEntry left unread
      entries++;
      if (entry.header.type === "file" || entry.header.type === "contiguous-file") {
        files++;
        bytes += entry.header.size ?? 0;
      }
    }
  } catch (e) {
    if (e instanceof ArchiveFormatError || e instanceof DecompressError) throw new UnsafeArchiveError(target.name, last ?? "(start)", e.message);
    throw e;
  }
  // Modes and times last, deepest first: writing entries changed the directories' times, and a read-only mode would block them.
  for (const d of dirs.reverse()) {
    chmodSync(d.host, d.mode);
    lutimesSync(d.host, d.mtime, d.mtime);
  }
  return { entries, files, bytes };
}

interface EntryContext {
  readonly root: string;
  readonly privileged: boolean;
  readonly owner: CopyOwner | undefined;
  readonly name: string;
}

/**
 * Write one entry; a directory's mode and time are returned to be set last.
 * Synchronous system calls, as in copy-tree.ts: microseconds each, where an
 * awaited call costs a thread-pool round trip.
 */
async function writeEntry({ header, body }: ArchiveTarEntry, ctx: EntryContext): Promise<{ host: string; mode: number; mtime: number } | undefined> {
  const clean = posix.normalize(posix.join("/", header.name));
  const path = clean.length > 1 && clean.endsWith("/") ? clean.slice(0, -1) : clean;
  if (path === "/") return undefined;
  const base = posix.basename(path);
  const refuse = (reason: string): UnsafeArchiveError => new UnsafeArchiveError(ctx.name, header.name, reason);
  if (base.startsWith(".wh.")) throw refuse("a whiteout name (.wh.*): in the image's layer it would delete files rather than add one");
  // tar-stream's types list the kinds it writes; reading, it also hands out others (and null for unknown ones).
  const type = (header.type as string | null) ?? "unknown";
  if (type === "character-device" || type === "block-device" || type === "fifo") throw refuse(`a ${type.replace("-", " ")}: device nodes and FIFOs are not extracted`);
  if (type !== "file" && type !== "contiguous-file" && type !== "directory" && type !== "symlink" && type !== "link") {
    if (type === "pax-global-header") return undefined;
    throw refuse(`tar entry type ${JSON.stringify(type)} is not supported`);
  }
  const parent = await resolveInRoot(ctx.root, posix.dirname(path));
  await ensureDirectory(ctx.root, parent, ROOT, ctx.privileged, posix.dirname(path));
  const host = `${ctx.root}${parent === "/" ? "" : parent}/${base}`;
  const existing = lstatSync(host, { throwIfNoEntry: false });
  if (existing !== undefined && !(existing.isDirectory() && type === "directory")) rmSync(host, { recursive: true, force: true });
  const owner = ctx.owner ?? { uid: header.uid ?? 0, gid: header.gid ?? 0 };
  const mtime = mtimeOf(header);
  const mode = (header.mode ?? 0o644) & 0o7777;
  switch (type) {
    case "directory":
      if (existing === undefined || !existing.isDirectory()) mkdirSync(host, 0o700);
      if (ctx.privileged) lchownSync(host, owner.uid, owner.gid);
      return { host, mode, mtime };
    case "symlink":
      symlinkSync(header.linkname ?? "", host);
      if (ctx.privileged) lchownSync(host, owner.uid, owner.gid);
      lutimesSync(host, mtime, mtime);
      return undefined;
    case "link": {
      const from = await hardlinkSource(ctx.root, header.linkname ?? "");
      const st = from === undefined ? undefined : lstatSync(from, { throwIfNoEntry: false });
      if (from === undefined || st === undefined || st.isDirectory()) throw refuse(`a hard link to ${JSON.stringify(header.linkname)}, which is not a file inside the destination`);
      linkSync(from, host);
      if (ctx.privileged) lchownSync(host, owner.uid, owner.gid);
      if (!st.isSymbolicLink()) chmodSync(host, mode);
      lutimesSync(host, mtime, mtime);
      return undefined;
    }
    default: {
      const fd = openSync(host, FILE_FLAGS, 0o600);
      try {
        for await (const chunk of body) for (let at = 0; at < chunk.length;) at += writeSync(fd, chunk, at, chunk.length - at);
        // Owner before mode: chown clears setuid and setgid.
        if (ctx.privileged) fchownSync(fd, owner.uid, owner.gid);
        fchmodSync(fd, mode);
        futimesSync(fd, mtime, mtime);
      } finally {
        closeSync(fd);
      }
      return undefined;
    }
  }
}

/** Where a hard link's target is: its directory resolved inside the root, its last part not followed (as link(2)); undefined for the root itself. */
async function hardlinkSource(root: string, linkname: string): Promise<string | undefined> {
  const clean = posix.normalize(posix.join("/", linkname));
  if (clean === "/") return undefined;
  const dir = await resolveInRoot(root, posix.dirname(clean));
  return `${root}${dir === "/" ? "" : dir}/${posix.basename(clean)}`;
}

/** The entry's mtime in seconds: pax's fractional one when present, as docker keeps it. */
function mtimeOf(header: ArchiveTarEntry["header"]): number {
  const pax = (header as { pax?: Record<string, string> | null }).pax?.mtime;
  const fromPax = pax === undefined ? NaN : Number(pax);
  if (Number.isFinite(fromPax)) return Math.max(0, fromPax);
  return Math.max(0, (header.mtime?.getTime() ?? 0) / 1000);
}
