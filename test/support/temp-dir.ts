import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { unmountUnder } from "./unmount.js";

/** A fresh directory that {@link TempDir.remove} deletes with all it holds. */
export interface TempDir extends AsyncDisposable {
  /** Absolute path of the directory. */
  readonly path: string;
  /** Unmount anything mounted below the directory, then delete it recursively. Safe to call twice. */
  remove(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Create a directory under the OS temp dir named `<prefix>XXXXXX`. Keep the
 * prefix short: dockerd and containerd put unix sockets below it, and a
 * socket path must stay under 108 bytes.
 *
 * Use in try/finally: `const dir = await tempDir("berth-"); try { … } finally { await dir.remove(); }`.
 */
export async function tempDir(prefix: string): Promise<TempDir> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  const remove = async (): Promise<void> => {
    // rm -r follows mount points, so a leftover bind mount would be emptied through, not just unlinked.
    await unmountUnder(path);
    await rm(path, { recursive: true, force: true, maxRetries: 3 });
  };
  return { path, remove, [Symbol.asyncDispose]: remove };
}
