import { randomBytes } from "node:crypto";
import type { Stats } from "node:fs";
import { lstat, open, rename, stat, unlink, type FileHandle } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import type { Writable } from "node:stream";
import { finished } from "node:stream/promises";
import { fsyncDir } from "../../content/index.js";
import { ArchiveOutputError, isSystemError } from "./errors.js";

/** What a file stream does to its file: an error of one of these is the output's. */
const OUTPUT_SYSCALLS = new Set(["write", "writev", "fsync", "fdatasync", "close"]);

/**
 * Write an archive file at `path` through `write`, which gets a stream to
 * fill (and end, as the archive writers do). The bytes go to a temp file
 * beside `path`, which is flushed to disk and renamed over `path` only when
 * `write` succeeds, so a failed or interrupted write leaves `path` as it was
 * and no temp file behind.
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
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
  let fh: FileHandle;
  try {
    fh = await open(tmp, "wx", 0o644);
  } catch (e) {
    throw ArchiveOutputError.fromSystemError(path, e);
  }
  // flush: the bytes are on disk before the rename publishes them.
  const out = fh.createWriteStream({ flush: true });
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
    await unlink(tmp).catch(() => undefined);
    // A failed write to the file is the cause, whatever the writer made of it
    // (a premature close). pipeline also passes the writer's own failures to
    // `out` (a missing blob, a failed read of the store): those go on as they are.
    throw isOutputFailure(streamError, tmp) ? ArchiveOutputError.fromSystemError(path, streamError) : e;
  }
  try {
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw ArchiveOutputError.fromSystemError(path, e);
  }
  try {
    await fsyncDir(dirname(path));
  } catch (e) {
    throw ArchiveOutputError.fromSystemError(path, e);
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

/** An error of the temp file's own stream, not one the writer's pipeline passed to it. */
function isOutputFailure(e: unknown, tmp: string): e is NodeJS.ErrnoException {
  return isSystemError(e) && OUTPUT_SYSCALLS.has(e.syscall ?? "") && (e.path === undefined || e.path === tmp);
}
