import { lstat, readdir } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import type { ExtractContext } from "./extract-context.js";
import { removeTree } from "./remove-tree.js";
import { OPAQUE_XATTR } from "./xattr-writer.js";

/** A name that deletes the same name without the prefix from the layers below (image-spec layer.md). */
export const WHITEOUT_PREFIX = ".wh.";
/** A name that hides every lower entry of its directory. */
export const OPAQUE_MARKER = ".wh..wh..opq";

/**
 * Why the whiteout at `path` is refused, or undefined when it is fine: one
 * whose target leaves its own directory (`.wh..`, `.wh...`) would delete the
 * directory itself or its parent. containerd's validateWhiteout.
 */
export function invalidWhiteout(path: string): string | undefined {
  const base = basename(path);
  if (base === OPAQUE_MARKER || !base.startsWith(WHITEOUT_PREFIX)) return undefined;
  const dir = dirname(path);
  const target = join(dir, base.slice(WHITEOUT_PREFIX.length));
  return target.startsWith(`${dir}/`) && target !== `${dir}/` ? undefined : `invalid whiteout name ${JSON.stringify(base)}: its target is not inside ${JSON.stringify(basename(dir) || "/")}`;
}

/**
 * Apply the whiteout entry at `path` (already validated) in the context's
 * format. Returns true when the entry is not a whiteout, or is one that the
 * format keeps as a file (`marker`), so the caller writes it.
 */
export async function applyWhiteout(ctx: ExtractContext, path: string): Promise<boolean> {
  const base = basename(path);
  if (!base.startsWith(WHITEOUT_PREFIX) || ctx.format === "marker") return true;
  const dir = dirname(path);
  if (base === OPAQUE_MARKER) {
    if (!(await lstat(dir)).isDirectory()) throw Object.assign(new Error("its directory is not a directory"), { code: "ENOTDIR" });
    if (ctx.format === "overlay") ctx.xattrs.set(dir, OPAQUE_XATTR, Buffer.from("y"));
    else await removeLowerEntries(ctx, dir);
    return false;
  }
  const target = join(dir, base.slice(WHITEOUT_PREFIX.length));
  await removeTree(target);
  ctx.resolver.invalidate();
  ctx.xattrs.forget(target);
  if (ctx.format === "overlay") {
    await ctx.specials.makeWhiteout(target);
    ctx.entryAt.set(target, path);
  }
  return false;
}

/** Opaque directory, `apply` format: remove what earlier layers put in `dir`, keep what this layer wrote. */
async function removeLowerEntries(ctx: ExtractContext, dir: string): Promise<void> {
  for (const name of await readdir(dir)) {
    const path = join(dir, name);
    if (!ctx.unpacked.has(path)) {
      await removeTree(path);
      ctx.resolver.invalidate();
      ctx.xattrs.forget(path);
    } else if ((await lstat(path)).isDirectory()) {
      await removeLowerEntries(ctx, path);
    }
  }
}
