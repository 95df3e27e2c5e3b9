import {
  chmodSync, constants, copyFileSync, lchownSync, linkSync, lstatSync, lutimesSync, mkdirSync, readlinkSync, rmSync, symlinkSync, type Stats,
} from "node:fs";
import { chmod, copyFile, lchown, lstat, mkdir, writeFile } from "node:fs/promises";
import { posix } from "node:path";
import { ensureDirectory } from "./copy-destination.js";
import { CopyDestinationError } from "./copy-errors.js";
import type { CopyOwner } from "./copy-owner.js";
import type { SourceEntry, SourceTree } from "./copy-source-tree.js";

/** How one COPY/ADD writes into the rootfs. */
export interface WriteContext {
  /** Canonical host path of the step's rootfs. */
  readonly rootfs: string;
  /** Owner of everything copied; undefined keeps each source's own (COPY --from without --chown). */
  readonly owner: CopyOwner | undefined;
  /** `--chmod`: the mode of every file and directory copied. */
  readonly chmod: number | undefined;
  /** Apply owners; false when not running as root. */
  readonly privileged: boolean;
  readonly signal?: AbortSignal;
  /** Running totals for the result. */
  readonly totals: { files: number; bytes: number; skipped: string[] };
}

/** A place in the rootfs: the container path (absolute, clean) and its host path. */
export interface RootfsPath {
  readonly path: string;
  readonly host: string;
}

/** One file to write: copied from a host path, or given as bytes. */
export interface FileSource {
  readonly from: { readonly path: string } | { readonly content: Buffer };
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly mtimeMs: number;
}

const ROOT: CopyOwner = { uid: 0, gid: 0 };
/** Files up to this size are copied with a synchronous call; larger ones without blocking the event loop. */
const SMALL_FILE = 1 << 20;
const S_ISUID = 0o4000;
const S_ISGID = 0o2000;
const S_IXGRP = 0o010;

/**
 * Write one file at `dest`, as docker's copyFile does: missing parents made
 * (0755, owned like the file), whatever is there replaced (a directory
 * too) and never written through, then owner, mode and mtime (whole
 * seconds: docker's tar step drops the fraction). Throws
 * CopyDestinationError when a parent is not a directory.
 */
export async function writeFileAt(ctx: WriteContext, src: FileSource, dest: RootfsPath): Promise<void> {
  if (dest.path === "/") throw new CopyDestinationError("/", "cannot replace the root directory with a file", "name a file or a directory below /");
  await ensureDirectory(ctx.rootfs, posix.dirname(dest.path), ctx.owner ?? ROOT, ctx.privileged, dest.path);
  removeExistingSync(dest.host);
  if ("path" in src.from) await copyFile(src.from.path, dest.host, constants.COPYFILE_EXCL);
  else await writeFile(dest.host, src.from.content, { flag: "wx", mode: 0o600 });
  finishFile(ctx, dest.host, src.mode, src, src.mtimeMs);
  ctx.totals.files++;
  ctx.totals.bytes += "path" in src.from ? (await lstat(dest.host)).size : src.from.content.length;
}

/**
 * Copy the contents of directory `rel` of `tree` into `dest`, as docker's
 * copyDirectory does: `dest` made when missing (0755; its parents owned by
 * root) and otherwise left as it is; below it, directories merge into
 * existing ones and take the source's mode, owner and mtime, anything else
 * replaces what is there (a symlink in the image is replaced, never
 * followed); symlinks are copied as links; hard links among the copied
 * files stay hard links; sockets, FIFOs and devices are left out (named in
 * `totals.skipped`). Throws CopyDestinationError when `dest` is a file.
 */
export async function writeDirectoryAt(ctx: WriteContext, tree: SourceTree, rel: string, dest: RootfsPath): Promise<void> {
  const st = await lstat(dest.host).catch(() => undefined);
  if (st !== undefined && !st.isDirectory()) {
    throw new CopyDestinationError(dest.path, "is not a directory, so a directory cannot be copied into it", "copy the directory to a new path or into an existing directory", "FAILED_PRECONDITION");
  }
  if (st === undefined) {
    await ensureDirectory(ctx.rootfs, posix.dirname(dest.path), ROOT, ctx.privileged, dest.path);
    await mkdir(dest.host);
    await chmod(dest.host, 0o755);
    if (ctx.privileged) await lchown(dest.host, (ctx.owner ?? ROOT).uid, (ctx.owner ?? ROOT).gid);
  }
  const dirs: { host: string; mode: number; mtime: number | undefined }[] = [];
  const inodes = new Map<string, string>();
  for (const entry of tree.walk(rel)) {
    ctx.signal?.throwIfAborted();
    const target = `${dest.host}/${rel === "" ? entry.rel : entry.rel.slice(rel.length + 1)}`;
    const dir = await writeEntry(ctx, tree, entry, target, inodes);
    if (dir !== undefined) dirs.push(dir);
  }
  // Modes and times last, deepest first: writing entries changed the directories' times, and a read-only mode would block them.
  for (const d of dirs.reverse()) {
    chmodSync(d.host, d.mode);
    if (d.mtime !== undefined) lutimesSync(d.host, d.mtime, d.mtime);
  }
}

/**
 * One entry below a copied directory. The system calls are synchronous on
 * purpose, as in image/unpack's writer: each takes microseconds on the page
 * cache, while an awaited one costs a thread-pool round trip, and copying a
 * 10 000-file tree did little else than wait for those.
 */
async function writeEntry(ctx: WriteContext, tree: SourceTree, entry: SourceEntry, target: string, inodes: Map<string, string>): Promise<{ host: string; mode: number; mtime: number | undefined } | undefined> {
  const st = entry.stats;
  if (st.isDirectory()) {
    const existing = lstatSync(target, { throwIfNoEntry: false });
    if (existing !== undefined && !existing.isDirectory()) rmSync(target, { recursive: true, force: true });
    if (existing === undefined || !existing.isDirectory()) mkdirSync(target, 0o700);
    // An excluded directory kept only as the parent of included files is a new directory in docker's context.
    const owner = ctx.owner ?? (entry.isImplicit ? ROOT : st);
    if (ctx.privileged) lchownSync(target, owner.uid, owner.gid);
    if (entry.isImplicit) return { host: target, mode: ctx.chmod ?? 0o755, mtime: undefined };
    return { host: target, mode: ctx.chmod ?? st.mode & 0o7777, mtime: seconds(st.mtimeMs) };
  }
  if (!st.isFile() && !st.isSymbolicLink()) {
    ctx.totals.skipped.push(entry.rel);
    return undefined;
  }
  removeExistingSync(target);
  const source = tree.hostPath(entry.rel);
  if (st.isSymbolicLink()) {
    symlinkSync(readlinkSync(source), target);
    const owner = ctx.owner ?? st;
    if (ctx.privileged) lchownSync(target, owner.uid, owner.gid);
    lutimesSync(target, seconds(st.mtimeMs), seconds(st.mtimeMs));
    return undefined;
  }
  const key = `${st.dev}:${st.ino}`;
  const first = st.nlink > 1 ? inodes.get(key) : undefined;
  if (first !== undefined) {
    linkSync(first, target);
    return undefined;
  }
  if (st.nlink > 1) inodes.set(key, target);
  if (st.size <= SMALL_FILE) copyFileSync(source, target, constants.COPYFILE_EXCL);
  else await copyFile(source, target, constants.COPYFILE_EXCL);
  finishFile(ctx, target, st.mode, st, st.mtimeMs);
  ctx.totals.files++;
  ctx.totals.bytes += st.size;
  return undefined;
}

/** Owner, then mode (chown clears setuid bits), then mtime. */
function finishFile(ctx: WriteContext, host: string, mode: number, src: Pick<Stats, "uid" | "gid">, mtimeMs: number): void {
  const owner = ctx.owner ?? src;
  if (ctx.privileged) lchownSync(host, owner.uid, owner.gid);
  chmodSync(host, ctx.chmod ?? fileMode(mode, ctx.owner !== undefined));
  lutimesSync(host, seconds(mtimeMs), seconds(mtimeMs));
}

/**
 * A copied file's mode. docker chowns every copied file after writing it
 * (unless COPY --from keeps owners), and chown(2) clears setuid, and
 * setgid when group-executable: berth gives the mode docker ends up with.
 */
export function fileMode(mode: number, isChowned: boolean): number {
  const bits = mode & 0o7777;
  if (!isChowned) return bits;
  return bits & ~S_ISUID & ~(bits & S_IXGRP ? S_ISGID : 0);
}

/** docker's tar step keeps whole seconds. */
const seconds = (ms: number): number => Math.max(0, Math.floor(ms / 1000));

function removeExistingSync(host: string): void {
  const st = lstatSync(host, { throwIfNoEntry: false });
  if (st !== undefined) rmSync(host, { recursive: st.isDirectory(), force: true });
}
