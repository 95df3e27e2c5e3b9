import { open, rename, unlink } from "node:fs/promises";
import { dirname, basename, join } from "node:path";
import { randomBytes } from "node:crypto";
import { fsyncDir } from "./fsync-dir.js";

/**
 * Write a small file so that a crash at any instant leaves either the old or
 * the new content: temp file in the same directory, fsync, rename, fsync dir.
 * `durable: false` skips both fsyncs: a killed process still leaves the old or
 * the new file (rename is atomic), only a power loss may lose the write — for
 * files that are remade on every use or that readers check against the truth.
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string, opts: { mode?: number; durable?: boolean } = {}): Promise<void> {
  const durable = opts.durable ?? true;
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
  // Created with its final mode, so a private file is never readable by others, even for a moment.
  const fh = await open(tmp, "wx", opts.mode ?? 0o644);
  try {
    await fh.writeFile(data);
    if (durable) await fh.datasync();
  } catch (e) {
    await fh.close();
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
  await fh.close();
  try {
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
  if (durable) await fsyncDir(dirname(path));
}
