import { mkdir, realpath } from "node:fs/promises";
import { dirname } from "node:path";
import { writeFileAtomic } from "../../content/index.js";

/**
 * Write a file only its owner may read (mode 0600), atomically (temp file
 * created 0600, fsync, rename, fsync of the directory). A symlinked target is
 * replaced at the link's destination, as docker does with a linked config.json.
 * The directory is created 0700 when missing.
 */
export async function writePrivateFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const target = await realpath(path).catch(() => path);
  await mkdir(dirname(target), { recursive: true, mode: 0o700 });
  await writeFileAtomic(target, data, { mode: 0o600 });
}
