import { lstat, readdir } from "node:fs/promises";
import { join } from "node:path";

/**
 * Bytes held below `dir`: the sizes of its files, symlinks and special
 * files, each hard-linked inode counted once (as docker's `directory.Size`).
 * Symlinks are not followed and entries that vanish during the walk are
 * skipped; 0 when `dir` is missing.
 */
export async function directorySize(dir: string): Promise<number> {
  const seen = new Set<string>();
  let total = 0;
  const pending = [dir];
  for (let path = pending.pop(); path !== undefined; path = pending.pop()) {
    const entries = await readdir(path, { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      const child = join(path, e.name);
      const st = await lstat(child).catch(() => undefined);
      if (st === undefined) continue;
      if (st.isDirectory()) {
        pending.push(child);
        continue;
      }
      const inode = `${st.dev}:${st.ino}`;
      if (st.nlink > 1 && seen.has(inode)) continue;
      seen.add(inode);
      total += st.size;
    }
  }
  return total;
}
