import { chmod, lstat, readdir, rm } from "node:fs/promises";
import { join } from "node:path";

/**
 * Remove `path` and everything below it; symlinks are removed, never
 * followed; a missing path is fine. A tree unpacked without root can hold
 * directories without write permission (a layer's `0555` dirs); on EACCES
 * their owner bits are opened and the removal is tried again.
 */
export async function removeTree(path: string): Promise<void> {
  try {
    await rm(path, { recursive: true, force: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== "EACCES" && code !== "EPERM") throw e;
    await openDirectories(path);
    await rm(path, { recursive: true, force: true });
  }
}

async function openDirectories(path: string): Promise<void> {
  const st = await lstat(path).catch(() => undefined);
  if (st?.isDirectory() !== true) return;
  await chmod(path, 0o700).catch(() => undefined);
  for (const name of await readdir(path).catch(() => [] as string[])) await openDirectories(join(path, name));
}
