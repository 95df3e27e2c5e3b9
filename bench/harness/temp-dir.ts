import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A directory under the OS temp dir; `remove()` deletes it with everything inside. */
export interface TempDir {
  readonly path: string;
  remove(): Promise<void>;
}

/** Make `<tmpdir>/<prefix>XXXXXX`. The caller registers `remove` with its {@link Cleanup}. */
export async function makeTempDir(prefix: string): Promise<TempDir> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, remove: () => rm(path, { recursive: true, force: true, maxRetries: 3 }) };
}
