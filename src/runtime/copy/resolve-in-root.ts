import { lstat, readlink } from "node:fs/promises";
import { posix } from "node:path";
import { TooManySymlinksError } from "./errors.js";
import { MountedRoot } from "./mounted-root.js";

/** Symlinks followed while resolving one path, as containerd's continuity and Linux's MAXSYMLINKS*6. */
const MAX_LINKS = 255;

/**
 * A container path made absolute and clean: `etc//x/../y/` → `/etc/y`
 * (relative paths are taken from `/`, as docker cp does); `..` stops at `/`.
 */
export const cleanContainerPath = (p: string): string => {
  const n = posix.normalize(posix.join("/", p));
  return n.length > 1 && n.endsWith("/") ? n.slice(0, -1) : n;
};

/**
 * Resolve `path` inside the directory `root` as if `root` were `/`: every
 * symlink on the way is read and followed *inside* root (an absolute target
 * starts again at root, `..` never climbs above it). A MountedRoot's mounts
 * are crossed as the container crosses them: a symlink inside a mount is
 * read from the mount's source and followed in the container's view, so it
 * leads to neither the host nor out of the mount's source but to what the
 * container would reach. With `followLast` off,
 * a symlink in the last component is kept (docker cp copies the link
 * itself). Components that do not exist are taken as they are.
 *
 * Returns the resolved container path (absolute, clean, with no symlink in
 * it at this moment); `MountedRoot.of(root).hostPath(result)` is the host path. Throws
 * TooManySymlinksError on a loop, and the filesystem's error (ENOTDIR when
 * a component is a file) otherwise. The result can be stale by the time it
 * is used: RootedDir opens it without following symlinks to catch that.
 */
export async function resolveInRoot(root: string | MountedRoot, path: string, followLast = true): Promise<string> {
  const tree = MountedRoot.of(root);
  let current = cleanContainerPath(path);
  for (let links = 0; ; links++) {
    const next = await firstLink(tree, current, followLast);
    if (next === undefined) return current;
    if (links >= MAX_LINKS) throw new TooManySymlinksError(path);
    current = next;
  }
}

/** `path` with its first symlink replaced by the link's target, or undefined when it has none. */
async function firstLink(tree: MountedRoot, path: string, followLast: boolean): Promise<string | undefined> {
  const parts = path.split("/").filter((p) => p !== "");
  let at = "";
  for (const [i, part] of parts.entries()) {
    const here = `${at}/${part}`;
    const isLast = i === parts.length - 1;
    const st = await lstat(tree.hostPath(here)).catch((e: NodeJS.ErrnoException) => {
      if (e.code === "ENOENT") return undefined;
      throw e;
    });
    if (st === undefined) return undefined;
    if (st.isSymbolicLink() && (!isLast || followLast)) {
      const target = await readlink(tree.hostPath(here));
      const rest = parts.slice(i + 1).join("/");
      return cleanContainerPath(posix.join(target.startsWith("/") ? "/" : at || "/", target, rest));
    }
    at = here;
  }
  return undefined;
}
