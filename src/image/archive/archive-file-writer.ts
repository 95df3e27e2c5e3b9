import type { Stats } from "node:fs";
import { lstat, stat, type FileHandle } from "node:fs/promises";
import { dirname } from "node:path";
import { Writable } from "node:stream";
import { finished } from "node:stream/promises";
import { replaceFileAtomic } from "../../content/index.js";
import { ArchiveOutputError, isSystemError } from "./errors.js";

/** What a file stream does to its file: an error of one of these is the output's. */
const OUTPUT_SYSCALLS = new Set(["write", "writev", "fsync", "fdatasync", "close"]);

/**
 * Write an archive file at `path` through `write`, which gets a stream to
 * fill (and end, as the archive writers do). The bytes go to a temp file
 * beside `path`, which is flushed to disk and renamed over `path` only when
 * `write` succeeds (replaceFileAtomic), so a failed or interrupted write
 * leaves `path` as it was and no temp file behind.
 *
 * As docker save does, `path` must be a regular file or not exist: a
 * symlink, FIFO, device, socket or directory is refused rather than replaced
 * by a regular file (to fill a FIFO or a device, write the archive to a
 * stream instead). Every file-system failure — the parent directory missing,
 * no permission, a full disk — throws ArchiveOutputError naming `path`; what
 * `write` throws itself (a missing blob, a bad platform, a failed read of
 * the store) is passed on.
 */
export async function writeArchiveFile(path: string, write: (out: Writable) => Promise<void>): Promise<void> {
  await checkDestination(path);
  await replaceFileAtomic(path, async (fh) => {
    const out = handleWriter(fh);
    // A write error comes as an 'error' event, maybe before `write` has piped
    // anything into `out`; without a listener Node would end the process.
    let streamError: unknown;
    out.on("error", (e) => {
      streamError ??= e;
    });
    try {
      await write(out);
      if (!out.writableEnded) out.end();
      await finished(out);
      if (streamError !== undefined) throw streamError;
    } catch (e) {
      out.destroy();
      // A failed write to the file is the cause, whatever the writer made of it
      // (a premature close). pipeline also passes the writer's own failures to
      // `out` (a missing blob, a failed read of the store): those go on as they are.
      throw isOutputFailure(streamError) ? ArchiveOutputError.fromSystemError(path, streamError) : e;
    }
  }, { fileError: (e) => ArchiveOutputError.fromSystemError(path, e) });
}

/**
 * A stream writing into `fh`, which stays open for replaceFileAtomic to sync
 * and close: fh.createWriteStream holds a reference on the handle until the
 * stream closes it, so the handle could not be closed apart from the stream.
 */
function handleWriter(fh: FileHandle): Writable {
  return new Writable({
    writev(chunks, done) {
      writeAllTo(fh, chunks.map((c) => c.chunk as Buffer)).then(() => done(), done);
    },
  });
}

async function writeAllTo(fh: FileHandle, buffers: Buffer[]): Promise<void> {
  let rest = buffers;
  while (rest.length > 0) {
    let n = (await fh.writev(rest)).bytesWritten;
    while (rest.length > 0 && n >= rest[0]!.length) n -= rest.shift()!.length;
    if (n > 0) rest = [rest[0]!.subarray(n), ...rest.slice(1)];
  }
}

/** Refuse what must not be replaced by a regular file, and a missing parent, before anything is written. */
async function checkDestination(path: string): Promise<void> {
  const existing = await lstatOrMissing(path);
  if (existing !== undefined) {
    const refusal = refusalFor(existing);
    if (refusal !== undefined) throw new ArchiveOutputError(path, refusal.reason, { hint: refusal.hint });
    return;
  }
  const parent = dirname(path);
  let dir: Stats;
  try {
    dir = await stat(parent);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw ArchiveOutputError.fromSystemError(path, e);
    throw new ArchiveOutputError(path, `invalid output path: directory ${parent} does not exist`, {
      cause: e, hint: `create it first (mkdir -p ${parent}), or choose another path`,
    });
  }
  if (!dir.isDirectory()) throw new ArchiveOutputError(path, `invalid output path: ${parent} is not a directory`, { hint: "choose another path" });
}

const TO_STREAM = "write the archive to standard output and redirect it (berth save IMAGE > PATH)";

function refusalFor(st: Stats): { reason: string; hint: string } | undefined {
  if (st.isFile()) return undefined;
  if (st.isSymbolicLink()) return { reason: "cannot write to a symbolic link directly", hint: "name the file it points to instead, or redirect standard output (berth save IMAGE > PATH)" };
  if (st.isFIFO()) return { reason: "cannot write to a named pipe (FIFO)", hint: TO_STREAM };
  if (st.isDirectory()) return { reason: "is a directory", hint: "name a file inside it" };
  if (st.isCharacterDevice() || st.isBlockDevice()) return { reason: "cannot write to a device", hint: TO_STREAM };
  return { reason: "cannot write to a socket or other special file", hint: "remove it or choose another path" };
}

async function lstatOrMissing(path: string): Promise<Stats | undefined> {
  try {
    return await lstat(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw ArchiveOutputError.fromSystemError(path, e);
  }
}

/** An error of the temp file's own stream (on a handle: no path), not one the writer's pipeline passed to it. */
function isOutputFailure(e: unknown): e is NodeJS.ErrnoException {
  return isSystemError(e) && OUTPUT_SYSCALLS.has(e.syscall ?? "") && e.path === undefined;
}
