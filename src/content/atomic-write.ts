import { closeSync, openSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { open, rename, unlink, type FileHandle } from "node:fs/promises";
import { dirname, basename, join } from "node:path";
import { randomBytes } from "node:crypto";
import { fsyncDir } from "./fsync-dir.js";

/** Options for {@link replaceFileAtomic} and {@link writeFileAtomic}. */
export interface AtomicWriteOptions {
  /** The new file's mode (default 0644), given at creation. */
  readonly mode?: number;
  /**
   * false skips the data sync and the directory's fsync: a killed process
   * still leaves the old or the new file (rename is atomic), only a power loss
   * may lose the write — for files that are remade on every use or that
   * readers check against the truth.
   */
  readonly durable?: boolean;
  /** Where the temp file goes (default: beside `path`; must be on its file system): for directories whose every file is read, as aardvark-dns reads its own. */
  readonly tempDir?: string;
  /**
   * What a failure of the file's own system calls (open, sync, close, rename, the directory's fsync)
   * is thrown as; `fill`'s own errors go on as they are. writeFileAtomic without `durable` writes the
   * data itself: a failed write is mapped too.
   */
  readonly fileError?: (e: unknown) => unknown;
}

/**
 * Replace `path` so that a crash at any instant leaves either the old or the
 * new content: a temp file filled by `fill` (which writes through the handle
 * and does not close it), synced, renamed over `path`, the directory synced.
 * On any failure the temp file is removed and `path` is as it was.
 */
export async function replaceFileAtomic(path: string, fill: (fh: FileHandle) => Promise<void>, opts: AtomicWriteOptions = {}): Promise<void> {
  const durable = opts.durable ?? true;
  const own = <T>(p: Promise<T>): Promise<T> => (opts.fileError === undefined ? p : p.catch((e: unknown) => {
    throw opts.fileError!(e);
  }));
  const tmp = tempPathFor(path, opts);
  // Created with its final mode, so a private file is never readable by others, even for a moment.
  const fh = await own(open(tmp, "wx", opts.mode ?? 0o644));
  try {
    await fill(fh);
    if (durable) await own(fh.datasync());
    await own(fh.close());
    await own(rename(tmp, path));
  } catch (e) {
    await fh.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
  if (durable) await own(fsyncDir(dirname(path)));
}

/**
 * Write a small file atomically (see {@link replaceFileAtomic}). Without
 * `durable`, with synchronous calls: open, write, close and rename of a
 * small file take tens of microseconds, where each asynchronous call is a
 * round trip through libuv's threads that waits for a core when the
 * machine is busy — a container's start writes five such files on its way
 * to runc.
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string, opts: AtomicWriteOptions = {}): Promise<void> {
  if (opts.durable === false) return writeFileAtomicNow(path, data, opts);
  await replaceFileAtomic(path, (fh) => fh.writeFile(data), opts);
}

function writeFileAtomicNow(path: string, data: Uint8Array | string, opts: AtomicWriteOptions): void {
  const own = <T>(f: () => T): T => {
    try {
      return f();
    } catch (e) {
      throw opts.fileError === undefined ? e : opts.fileError(e);
    }
  };
  const tmp = tempPathFor(path, opts);
  const fd = own(() => openSync(tmp, "wx", opts.mode ?? 0o644));
  try {
    const bytes = typeof data === "string" ? Buffer.from(data) : data;
    for (let at = 0; at < bytes.length;) at += own(() => writeSync(fd, bytes, at));
  } catch (e) {
    try {
      closeSync(fd);
    } catch {
      // The write's error is the one to tell.
    }
    unlinkTemp(tmp);
    throw e;
  }
  try {
    own(() => closeSync(fd));
    own(() => renameSync(tmp, path));
  } catch (e) {
    unlinkTemp(tmp);
    throw e;
  }
}

function unlinkTemp(tmp: string): void {
  try {
    unlinkSync(tmp);
  } catch {
    // Gone already, or never made.
  }
}

/** A new temp file's path for replacing `path`: beside it, or in `opts.tempDir`. */
function tempPathFor(path: string, opts: AtomicWriteOptions): string {
  return join(opts.tempDir ?? dirname(path), `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
}
