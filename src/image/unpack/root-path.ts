import { lstat, readlink } from "node:fs/promises";
import { posix } from "node:path";

/** Symlinks followed while resolving one path before giving up, as continuity's fs.RootPath. */
const MAX_LINKS = 255;

/** A symlink loop (or a very long chain) inside the root. */
export class TooManyLinksError extends Error {
  constructor(readonly path: string) {
    super(`resolving ${JSON.stringify(path)}: more than ${MAX_LINKS} symlinks (a loop?)`);
  }
}

/**
 * Go's filepath.Clean on a slash path: lexical `.` and `..` processing, no
 * repeated or trailing slash; `..` cannot climb above `/` in an absolute
 * path; the empty path is `.`.
 */
export function cleanPath(p: string): string {
  const n = posix.normalize(p);
  return n.length > 1 && n.endsWith("/") ? n.slice(0, -1) : n;
}

/** Go's filepath.Split: everything up to and including the last slash, and the rest. */
export function splitPath(p: string): [dir: string, base: string] {
  const i = p.lastIndexOf("/");
  return [p.slice(0, i + 1), p.slice(i + 1)];
}

/** True when `p` is `root` or below it (a string test on clean absolute paths). */
export const isInside = (root: string, p: string): boolean => p === root || p.startsWith(`${root}/`);

/**
 * Join `path` to `root` as if `root` were `/`: every symlink met on the way
 * is resolved inside `root` (an absolute target restarts at `root`, `..`
 * stops at `root`), with `..` handled lexically as Go's filepath.Clean does.
 * Components that do not exist yet are taken as they are. The result never
 * leaves `root` and, at the moment it is computed, has no symlink in it.
 *
 * These are the semantics of containerd's continuity `fs.RootPath`. Throws
 * TooManyLinksError on a loop and the filesystem's error (ENOTDIR when a
 * component is a file) otherwise.
 */
export async function rootPath(root: string, path: string): Promise<string> {
  let current = cleanPath(posix.join("/", path));
  let links = 0;
  for (;;) {
    const resolved = await walk(root, current);
    if (resolved.kind === "done") return current === "/" ? root : root + current;
    if (++links > MAX_LINKS) throw new TooManyLinksError(path);
    current = resolved.next;
  }
}

type Step = { kind: "done" } | { kind: "link"; next: string };

/** Walk `path` (clean, absolute in root) until the first symlink; return the path with it replaced. */
async function walk(root: string, path: string): Promise<Step> {
  const parts = path.split("/").filter((p) => p !== "");
  let at = "";
  for (let i = 0; i < parts.length; i++) {
    const next = `${at}/${parts[i]}`;
    let isLink: boolean;
    try {
      isLink = (await lstat(root + next)).isSymbolicLink();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return { kind: "done" };
      throw e;
    }
    if (isLink) {
      const target = await readlink(root + next);
      const rest = parts.slice(i + 1).join("/");
      const from = target.startsWith("/") ? target : `${at}/${target}`;
      return { kind: "link", next: cleanPath(posix.join("/", from, rest)) };
    }
    at = next;
  }
  return { kind: "done" };
}

/**
 * {@link rootPath} with memory, for one extraction: parent directories repeat
 * from entry to entry. The owner must call {@link invalidate} after a
 * removal and {@link invalidateBelow} after creating a symlink, so a
 * remembered answer is never stale.
 */
export class RootResolver {
  private readonly cache = new Map<string, string>();
  private readonly directories = new Set<string>();

  constructor(readonly root: string) {}

  async resolve(path: string): Promise<string> {
    const hit = this.cache.get(path);
    if (hit !== undefined) return hit;
    const resolved = await rootPath(this.root, path);
    this.cache.set(path, resolved);
    return resolved;
  }

  /** Forget everything: after a removal, any remembered path may have gone through what was removed. */
  invalidate(): void {
    this.cache.clear();
    this.directories.clear();
  }

  /** Remember that `path` is a real directory now (until the next {@link invalidate}). */
  rememberDirectory(path: string): void {
    this.directories.add(path);
  }

  isKnownDirectory(path: string): boolean {
    return this.directories.has(path);
  }

  /**
   * After creating a symlink at `path` where nothing was: only answers that
   * ran through `path`, then missing, can change, and those all start with it.
   */
  invalidateBelow(path: string): void {
    for (const [key, value] of this.cache) if (isInside(path, value)) this.cache.delete(key);
  }

  /**
   * Where a hard link named `linkname` points: its directory resolved inside
   * the root, its last component not followed (a link to a symlink links the
   * symlink, as link(2) does); anything that lands outside becomes the root
   * itself, which link(2) then refuses. containerd's hardlinkRootPath.
   */
  async hardlinkTarget(linkname: string): Promise<string> {
    const [dir, base] = splitPath(linkname);
    const target = cleanPath(posix.join(await this.resolve(dir), base));
    return isInside(this.root, target) ? target : this.root;
  }
}
