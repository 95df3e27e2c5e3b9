import { lstat, readdir } from "node:fs/promises";
import { join } from "node:path";

/** What {@link treeSize} found below a directory. */
export interface TreeSize {
  /** Regular files (hard links counted once per name). */
  readonly files: number;
  /** Sum of their sizes. */
  readonly bytes: number;
  readonly dirs: number;
}

/** Limits for {@link treeSize}; a walk is bounded in entries and in time like every bench loop. */
export interface TreeSizeOptions {
  /** Give up past this many entries; 2,000,000 unless told. */
  readonly maxEntries?: number;
  /** Give up after this long; 120 s unless told. */
  readonly timeoutMs?: number;
}

/**
 * Count the regular files and their bytes below `root`, without following symbolic links or
 * leaving the tree. Used to check that an unpack really wrote the rootfs before its time counts.
 * Throws when `root` is missing or a limit is hit, naming it.
 */
export async function treeSize(root: string, opts: TreeSizeOptions = {}): Promise<TreeSize> {
  const maxEntries = opts.maxEntries ?? 2_000_000;
  const deadline = Date.now() + (opts.timeoutMs ?? 120_000);
  let files = 0;
  let bytes = 0;
  let dirs = 0;
  let seen = 0;
  const stack = [root];
  for (let dir = stack.pop(); dir !== undefined; dir = stack.pop()) {
    dirs++;
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      if (++seen > maxEntries) throw new Error(`treeSize ${root}: more than ${maxEntries} entries`);
      const path = join(dir, entry.name);
      if (entry.isDirectory()) stack.push(path);
      else if (entry.isFile()) {
        files++;
        bytes += (await lstat(path)).size;
      }
    }
    if (Date.now() > deadline) throw new Error(`treeSize ${root}: not done after ${opts.timeoutMs ?? 120_000} ms`);
  }
  return { files, bytes, dirs };
}
