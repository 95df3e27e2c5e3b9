import { lstat, readdir, readFile, readlink } from "node:fs/promises";
import { join } from "node:path";
import { InvalidArgumentError } from "../../oci/index.js";
import type { TreeEntry } from "../rootfs-tree.js";

/** Which entries of a directory tree to take. */
export interface TreeSelection {
  /** True to take `path` (relative, `/`-separated). */
  isIncluded(path: string, isDir: boolean): boolean;
  /** True to walk into a directory that is not taken itself, because something below may be. */
  shouldDescend(dir: string): boolean;
}

/** What {@link readContextTree} found. */
export interface ContextTree {
  /** Sorted by path bytes, parents first, ready for writeLayer. */
  readonly entries: readonly TreeEntry[];
  /** Sockets, FIFOs and devices, which an image cannot hold: left out, named here. */
  readonly skipped: readonly string[];
  /** Bytes of file content. */
  readonly size: number;
}

const ALL: TreeSelection = { isIncluded: () => true, shouldDescend: () => true };
const MAX_ENTRIES = 500_000;
const MAX_BYTES = 2 * 1024 ** 3;

/**
 * Read the tree at `dir` into layer entries below `prefix` (`app` →
 * `app/server.js`), as docker's COPY stores a context: owners 0:0, files
 * 0644 (0755 when any execute bit is set), directories 0755, so the app is
 * readable by any user and writable by none but root. A symlink is stored
 * as a symlink with its target as written, wherever it points — it is never
 * followed, so a link to `/etc/passwd` or `../../secret` cannot pull a host
 * file in. Hard-linked files are stored as separate files. Missing parent
 * directories of a taken entry are added.
 *
 * Throws InvalidArgumentError past 500 000 entries or 2 GiB of content.
 */
export async function readContextTree(dir: string, prefix: string, selection: TreeSelection = ALL): Promise<ContextTree> {
  const entries: TreeEntry[] = [{ path: prefix, type: "directory", mode: 0o755, uid: 0, gid: 0 }];
  const skipped: string[] = [];
  let size = 0;
  const walk = async (rel: string): Promise<void> => {
    const names = (await readdir(join(dir, rel))).sort();
    for (const name of names) {
      const path = rel === "" ? name : `${rel}/${name}`;
      const st = await lstat(join(dir, path));
      const isDir = st.isDirectory();
      const taken = selection.isIncluded(path, isDir);
      if (isDir) {
        if (taken) entries.push({ path: `${prefix}/${path}`, type: "directory", mode: 0o755, uid: 0, gid: 0 });
        if (taken || selection.shouldDescend(path)) await walk(path);
      } else if (!taken) {
        continue;
      } else if (st.isSymbolicLink()) {
        entries.push({ path: `${prefix}/${path}`, type: "symlink", mode: 0o777, uid: 0, gid: 0, linkname: await readlink(join(dir, path)) });
      } else if (st.isFile()) {
        size += st.size;
        if (size > MAX_BYTES) throw new InvalidArgumentError(`${dir}: more than ${MAX_BYTES / 1024 ** 3} GiB of files`, { hint: "leave large files out with .dockerignore" });
        const data = await readFile(join(dir, path));
        entries.push({ path: `${prefix}/${path}`, type: "file", mode: st.mode & 0o111 ? 0o755 : 0o644, uid: 0, gid: 0, data });
      } else {
        skipped.push(path);
      }
      if (entries.length > MAX_ENTRIES) throw new InvalidArgumentError(`${dir}: more than ${MAX_ENTRIES} files`, { hint: "leave generated files out with .dockerignore" });
    }
  };
  await walk("");
  return { entries: withParents(entries), skipped, size };
}

/** `entries` plus any missing parent directory (an included file below a skipped directory), sorted by path bytes. */
function withParents(entries: readonly TreeEntry[]): TreeEntry[] {
  const all = new Map(entries.map((e) => [e.path, e]));
  for (const e of entries) {
    for (let i = e.path.lastIndexOf("/"); i > 0; i = e.path.lastIndexOf("/", i - 1)) {
      const p = e.path.slice(0, i);
      if (!all.has(p)) all.set(p, { path: p, type: "directory", mode: 0o755, uid: 0, gid: 0 });
    }
  }
  return [...all.values()].sort((a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path)));
}
