import { chmodSync, lchownSync, lstatSync, mkdirSync } from "node:fs";
import { lstat } from "node:fs/promises";
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
  readonly privileged: boolean;
  /** Directories made by makeParents rather than by an entry, for {@link copyLowerMetadata}; an entry writing one removes it. */
  readonly implicitDirs: Set<string>;
  defer(path: string, dir: DeferredDirectory): void;
}

/**
 * Make sure directory `path` (inside `root`, symlink-free as rootPath made
 * it) exists, creating missing ones up from the root with mode 0755 and
 * remembering them in `implicitDirs`. Throws ENOTDIR when something on the
 * way is not a directory.
 */
export async function makeParents(ctx: ParentContext, path: string): Promise<void> {
  if (ctx.resolver.isKnownDirectory(path)) return;
  makeDirectory(ctx, path);
  ctx.resolver.rememberDirectory(path);
}

function makeDirectory(ctx: ParentContext, path: string): void {
  const st = lstatSync(path, { throwIfNoEntry: false });
  if (st !== undefined) {
    if (st.isDirectory()) return;
    throw Object.assign(new Error(`${path.slice(ctx.root.length) || "/"} is not a directory`), { code: "ENOTDIR" });
  }
  const parent = dirname(path);
  if (parent.length > ctx.root.length) makeDirectory(ctx, parent);
  try {
    mkdirSync(path, { mode: 0o755 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST" || !lstatSync(path).isDirectory()) throw e;
    return;
  }
  chmodSync(path, 0o755); // not what the umask left
  ctx.implicitDirs.add(path);
}

/**
 * After the layer's last entry: give each directory makeParents created
 * (and no entry wrote since) the mode, owner and times of the same directory
 * in the nearest lower layer that has it, else 0755, so an upper layer does
 * not change what the merged view shows (containerd's mkparent with
 * WithParents). Done last rather than on creation so that the lower layers
 * (`parents`, top first) need to be complete only by then. Mode and times go
 * through `defer`, as creating entries changed the times.
 */
export async function copyLowerMetadata(ctx: ParentContext, parents: readonly string[]): Promise<void> {
  for (const path of ctx.implicitDirs) {
    if (lstatSync(path, { throwIfNoEntry: false })?.isDirectory() !== true) continue;
    const like = await lowerDirectory(parents, path.slice(ctx.root.length));
    if (like !== undefined) {
      if (ctx.privileged) lchownSync(path, like.uid, like.gid);
      ctx.defer(path, { mode: like.mode, atime: like.atime, mtime: like.mtime });
    } else if (!ctx.privileged) {
      ctx.defer(path, { mode: 0o755, atime: Date.now(), mtime: Date.now() });
    }
  }
  ctx.implicitDirs.clear();
}

interface LowerInfo {
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly atime: number;
  readonly mtime: number;
}

async function lowerDirectory(parents: readonly string[], rel: string): Promise<LowerInfo | undefined> {
  for (const lower of parents) {
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
