import { chmod, lchown, lstat, lutimes, mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import { rootPath } from "./root-path.js";

/** A directory whose final mode and times are set after the layer's last entry. */
export interface DeferredDirectory {
  readonly mode: number;
  readonly atime: number;
  readonly mtime: number;
}

/** What {@link makeParents} needs from the extraction. */
export interface ParentContext {
  readonly root: string;
  readonly resolver: { isKnownDirectory(path: string): boolean; rememberDirectory(path: string): void };
  /** Lower layers' directories, top first, to copy a missing parent's metadata from. */
  readonly parents: readonly string[];
  readonly privileged: boolean;
  defer(path: string, dir: DeferredDirectory): void;
}

/**
 * Make sure directory `path` (inside `root`, symlink-free as rootPath made
 * it) exists, creating missing ones up from the root. A created directory
 * takes the mode, owner and times of the same directory in the nearest lower
 * layer that has it, else 0755, so an upper layer does not change what the
 * merged view shows (containerd's mkparent with WithParents). Throws ENOTDIR
 * when something on the way is not a directory.
 */
export async function makeParents(ctx: ParentContext, path: string): Promise<void> {
  if (ctx.resolver.isKnownDirectory(path)) return;
  await makeDirectory(ctx, path);
  ctx.resolver.rememberDirectory(path);
}

async function makeDirectory(ctx: ParentContext, path: string): Promise<void> {
  let st;
  try {
    st = await lstat(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
  if (st !== undefined) {
    if (st.isDirectory()) return;
    throw Object.assign(new Error(`${path.slice(ctx.root.length) || "/"} is not a directory`), { code: "ENOTDIR" });
  }
  const parent = dirname(path);
  if (parent.length > ctx.root.length) await makeDirectory(ctx, parent);
  try {
    await mkdir(path, { mode: 0o755 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST" || !(await lstat(path)).isDirectory()) throw e;
    return;
  }
  const like = await lowerDirectory(ctx, path.slice(ctx.root.length));
  // Without root, keep the owner's write bit until the end so entries can be created inside.
  const open = ctx.privileged ? 0 : 0o700;
  const mode = like?.mode ?? 0o755;
  await chmod(path, mode | open);
  if (like !== undefined) {
    if (ctx.privileged) await lchown(path, like.uid, like.gid);
    await lutimes(path, like.atime / 1000, like.mtime / 1000);
    ctx.defer(path, { mode, atime: like.atime, mtime: like.mtime });
  } else if (!ctx.privileged) {
    ctx.defer(path, { mode, atime: Date.now(), mtime: Date.now() });
  }
}

interface LowerInfo {
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly atime: number;
  readonly mtime: number;
}

async function lowerDirectory(ctx: ParentContext, rel: string): Promise<LowerInfo | undefined> {
  for (const lower of ctx.parents) {
    let st;
    try {
      st = await lstat(await rootPath(lower, rel));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "ENOTDIR") continue;
      throw e;
    }
    // A non-directory here means this layer replaced it: nothing below to copy from.
    if (!st.isDirectory()) return undefined;
    return { mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, atime: st.atimeMs, mtime: st.mtimeMs };
  }
  return undefined;
}
