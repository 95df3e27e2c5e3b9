import { lstat, readlink } from "node:fs/promises";
import { join } from "node:path";

/** Linux's own limit on symlinks followed in one lookup (ELOOP). */
const MAX_LINKS = 40;

/**
 * The host path that container path `path` names inside `root`, resolving
 * symlinks as the container would see them: an absolute link target
 * starts again at `root`, and `..` never climbs above it (the rule of
 * moby's FollowSymlinkInScope and runc's securejoin). So a link
 * `/etc/x → /etc/passwd` in the image stays in the image, and
 * `../../../etc` stops at its root. Resolves undefined when a component is
 * missing, a non-directory is passed through, or more than 40 links are
 * followed.
 */
export async function resolveInRoot(root: string, path: string): Promise<string | undefined> {
  const done: string[] = [];
  const todo = path.split("/").filter((p) => p !== "" && p !== ".");
  let links = 0;
  for (let part = todo.shift(); part !== undefined; part = todo.shift()) {
    if (part === "..") {
      done.pop();
      continue;
    }
    if (part === ".") continue;
    const host = join(root, ...done, part);
    const st = await lstat(host).catch(() => undefined);
    if (st === undefined) return undefined;
    if (st.isSymbolicLink()) {
      if (++links > MAX_LINKS) return undefined;
      const target = await readlink(host);
      if (target.startsWith("/")) done.length = 0;
      todo.unshift(...target.split("/").filter((p) => p !== ""));
      continue;
    }
    if (todo.length > 0 && !st.isDirectory()) return undefined;
    done.push(part);
  }
  return join(root, ...done);
}
