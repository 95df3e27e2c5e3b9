import { randomBytes } from "node:crypto";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { removeTree } from "./remove-tree.js";
import { findProgram, runProgram } from "./system-tools.js";
import { OPAQUE_XATTR } from "./xattr-writer.js";

/**
 * Whether snapshots in `dir` can be stored in overlay format: running as
 * root, mknod and setfattr installed, and the filesystem taking a 0/0
 * character device and a trusted.* xattr (tested by making both). Returns
 * undefined when it can, else the reason it cannot.
 */
export async function probeOverlayFormat(dir: string): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return "not running as root";
  const mknod = findProgram("mknod");
  const setfattr = findProgram("setfattr");
  if (mknod === undefined) return "the mknod program (coreutils) is not installed";
  if (setfattr === undefined) return "the setfattr program (Debian package attr) is not installed";
  const probe = join(dir, `.tmp-${process.pid}-probe-${randomBytes(4).toString("hex")}`);
  try {
    await mkdir(probe);
    await runProgram(mknod, [join(probe, "whiteout"), "c", "0", "0"]);
    await runProgram(setfattr, ["-n", OPAQUE_XATTR, "-v", "y", probe]);
    return undefined;
  } catch (e) {
    return `the filesystem of ${dir} refused a whiteout or a trusted xattr: ${(e as Error).message}`;
  } finally {
    await removeTree(probe);
  }
}
