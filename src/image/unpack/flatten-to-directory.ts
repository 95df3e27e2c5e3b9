import { chmod, copyFile, lchown, link, lstat, lutimes, mkdir, readdir, readlink, symlink } from "node:fs/promises";
import type { Stats } from "node:fs";
import { join } from "node:path";
import type { Digest } from "../../oci/index.js";
import { removeTree } from "./remove-tree.js";
import type { SnapshotInfo } from "./snapshot-meta.js";
import type { SnapshotStore } from "./snapshot-store.js";
import { SpecialFiles } from "./special-files.js";
import { OPAQUE_MARKER, WHITEOUT_PREFIX } from "./whiteouts.js";

/** Options for {@link flattenToDirectory}. */
export interface FlattenOptions {
  /** Apply owners and make device nodes; default: running as uid 0. */
  readonly privileged?: boolean;
  readonly signal?: AbortSignal;
}

interface Walk {
  readonly layer: string;
  readonly dest: string;
  readonly snapshot: SnapshotInfo;
  readonly privileged: boolean;
  /** Hard links inside one layer: source dev:ino → first destination path. */
  readonly inodes: Map<string, string>;
  readonly dirs: Map<string, Stats>;
  readonly specials: SpecialFiles;
  readonly signal: AbortSignal | undefined;
}

/**
 * Write the merged filesystem of snapshot `chainId` (its layers applied
 * bottom to top, whiteouts and opaque directories honoured, in either
 * format) into the existing, empty directory `dest`: what an overlay mount
 * of its lowerDirs shows, for where overlayfs is not available. Modes,
 * owners (when privileged), times, symlinks and hard links within a layer
 * are kept; extended attributes are not copied. `dest` is trusted; every
 * path below it is created by this walk, parents before children, so no
 * symlink in the tree is ever followed.
 */
export async function flattenToDirectory(snapshots: SnapshotStore, chainId: Digest, dest: string, opts: FlattenOptions = {}): Promise<void> {
  const chain = (await snapshots.chain(chainId)).reverse();
  const privileged = opts.privileged ?? process.getuid?.() === 0;
  const dirs = new Map<string, Stats>();
  const specials = new SpecialFiles(`${dest}.flatten`);
  try {
    for (const snapshot of chain) {
      const w: Walk = {
        layer: snapshots.fsDir(snapshot.chainId), dest, snapshot, privileged, inodes: new Map(), dirs, specials, signal: opts.signal,
      };
      await copyDirectory(w, "");
    }
  } finally {
    await specials.dispose();
  }
  // Directory metadata last, deepest first: creating entries changed their times.
  for (const [rel, st] of [...dirs].sort(([a], [b]) => b.length - a.length)) {
    const path = join(dest, rel);
    if (privileged) await lchown(path, st.uid, st.gid);
    await chmod(path, st.mode & 0o7777);
    await lutimes(path, st.atimeMs / 1000, st.mtimeMs / 1000);
  }
}

async function copyDirectory(w: Walk, rel: string): Promise<void> {
  w.signal?.throwIfAborted();
  const names = (await readdir(join(w.layer, rel))).sort();
  const marker = w.snapshot.format === "marker";
  if ((marker && names.includes(OPAQUE_MARKER)) || (!marker && w.snapshot.opaqueDirs.includes(rel))) {
    for (const name of await readdir(join(w.dest, rel))) await forget(w, join(rel, name));
  }
  for (const name of names) {
    const child = join(rel, name);
    const st = await lstat(join(w.layer, child));
    if (marker && name.startsWith(WHITEOUT_PREFIX)) {
      if (name !== OPAQUE_MARKER) await forget(w, join(rel, name.slice(WHITEOUT_PREFIX.length)));
      continue;
    }
    if (!marker && st.isCharacterDevice() && st.rdev === 0) {
      await forget(w, child);
      continue;
    }
    await copyEntry(w, child, st);
  }
}

/** Remove `rel` from the destination, with what is known about it. */
async function forget(w: Walk, rel: string): Promise<void> {
  await removeTree(join(w.dest, rel));
  for (const key of w.dirs.keys()) if (key === rel || key.startsWith(`${rel}/`)) w.dirs.delete(key);
}

async function copyEntry(w: Walk, rel: string, st: Stats): Promise<void> {
  const src = join(w.layer, rel);
  const dst = join(w.dest, rel);
  const existing = await lstat(dst).catch(() => undefined);
  if (st.isDirectory()) {
    if (existing !== undefined && !existing.isDirectory()) await forget(w, rel);
    if (existing?.isDirectory() !== true) await mkdir(dst, { mode: 0o700 });
    else await chmod(dst, 0o700 | existing.mode);
    w.dirs.set(rel, st);
    await copyDirectory(w, rel);
    return;
  }
  if (existing !== undefined) await forget(w, rel);
  const key = `${st.dev}:${st.ino}`;
  const first = st.nlink > 1 ? w.inodes.get(key) : undefined;
  if (first !== undefined) {
    await link(first, dst);
    return;
  }
  if (st.isFile()) await copyFile(src, dst);
  else if (st.isSymbolicLink()) await symlink(await readlink(src), dst);
  else if (!w.privileged || st.isSocket()) return;
  else await w.specials.makeNode(dst, st.isCharacterDevice() ? "char" : st.isBlockDevice() ? "block" : "fifo", st.mode, major(st.rdev), minor(st.rdev));
  if (st.nlink > 1) w.inodes.set(key, dst);
  if (w.privileged) await lchown(dst, st.uid, st.gid);
  if (!st.isSymbolicLink()) await chmod(dst, st.mode & 0o7777);
  await lutimes(dst, st.atimeMs / 1000, st.mtimeMs / 1000);
}

// Linux's dev_t encoding (glibc's gnu_dev_major / gnu_dev_minor), for the low 32 bits Node's stat gives exactly.
const major = (dev: number): number => ((dev >>> 8) & 0xfff) | (Math.floor(dev / 2 ** 32) & ~0xfff);
const minor = (dev: number): number => (dev & 0xff) | ((dev >>> 12) & ~0xff);
