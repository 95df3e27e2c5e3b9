import { mkdir } from "node:fs/promises";
import { findProgram, runProgram } from "./system-tools.js";

/**
 * Mark `dir` as the top of unrelated directory trees (`chattr +T`, ext2/3/4's
 * FS_TOPDIR_FL): the Orlov allocator then spreads its subdirectories over the
 * filesystem's block groups instead of packing them into the group of `dir`.
 * True when the flag was set.
 *
 * Why: a store of snapshots (or containers) churns — a pull makes thousands of
 * inodes, rmi and prune free them again. ext4 without a journal (as on the
 * machines berth is tested on) will not reuse an inode freed in the last
 * minutes, and finds that out one free inode at a time, each a lookup of its
 * inode table block: with every snapshot in one group, each file a pull made
 * went through all the inodes the last few rmi freed. A 300 MiB pull of 4,420
 * files took 1.3 s in a new store and 5.2 s after three pull and rmi cycles;
 * with the flag, 1.1 to 1.7 s every time.
 *
 * Best effort: other filesystems refuse the flag, and chattr (e2fsprogs, in
 * every Debian) may be missing; nothing depends on it. A program because
 * Node has no ioctl.
 */
export async function markTopDirectory(dir: string): Promise<boolean> {
  const chattr = findProgram("chattr");
  if (chattr === undefined) return false;
  try {
    await runProgram(chattr, ["+T", dir], 10_000);
    return true;
  } catch {
    return false;
  }
}

/**
 * Make `dir` (and its parents) if it is not there, and mark it with
 * {@link markTopDirectory} when this made it: for a directory whose
 * subdirectories are unrelated trees made and removed over and over
 * (snapshots, containers, build steps).
 */
export async function ensureTopDirectory(dir: string): Promise<void> {
  if ((await mkdir(dir, { recursive: true })) !== undefined) await markTopDirectory(dir);
}
