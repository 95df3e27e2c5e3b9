import { constants, type Stats } from "node:fs";
import { lstat, open, readdir, readlink, type FileHandle } from "node:fs/promises";
import { posix } from "node:path";
import type { Header, Pack } from "tar-stream";
import { CopyRuleError, PathChangedError } from "./errors.js";
import { MountedRoot, type CopyMount } from "./mounted-root.js";
import { RootedDir } from "./rooted-dir.js";
import { whenDrained } from "../../content/index.js";

/** What to pack: a path inside a root (a directory, or a container's rootfs with its mounts). */
export interface PackSource {
  readonly root: string | MountedRoot;
  /** Clean, absolute inside `root` and without symlinks in its directories (resolveInRoot's result). */
  readonly path: string;
}

const CHUNK = 256 * 1024;
/** One descriptor stays open per level; deeper trees are refused rather than running out of them. */
const MAX_DEPTH = 256;

interface Walk {
  readonly tree: MountedRoot;
  readonly pack: Pack;
  readonly signal: AbortSignal | undefined;
  /** dev:ino → first archive name, for files with more than one link. */
  readonly links: Map<string, string>;
}

/**
 * Write `src` into `pack` as tar entries named `name` and `name/…` (with
 * `name` "" its contents only, at the top of the archive), sorted, as docker
 * cp archives it: modes, owners and mtimes kept, symlinks stored as links
 * (never followed), a file linked twice stored once plus hard-link entries.
 * Sockets, FIFOs and device nodes are left out. A mount point is packed
 * as what the container sees there: the mount's source (a directory's
 * contents, a file's bytes), not the rootfs's placeholder under it. Everything is opened
 * relative to its open parent without following symlinks, so a path swapped
 * for a symlink meanwhile fails with PathChangedError instead of reading
 * outside the root. Does not finalize `pack`.
 */
export async function packTree(pack: Pack, src: PackSource, name: string, signal?: AbortSignal): Promise<void> {
  const walk: Walk = { tree: MountedRoot.of(src.root), pack, signal, links: new Map() };
  if (src.path === "/") {
    const dir = await walk.tree.openDir("/");
    try {
      await packDirectory(walk, dir, await dir.handle.stat(), name, 0);
    } finally {
      await dir.close();
    }
    return;
  }
  const parent = await walk.tree.openDir(posix.dirname(src.path));
  try {
    await packEntry(walk, parent, posix.basename(src.path), name, 0);
  } finally {
    await parent.close();
  }
}

async function packEntry(walk: Walk, parent: RootedDir, child: string, name: string, depth: number): Promise<void> {
  walk.signal?.throwIfAborted();
  const mount = walk.tree.mountAt(posix.join(parent.path, child));
  if (mount !== undefined) return packMount(walk, mount, name, depth);
  const at = parent.child(child);
  const st = await lstat(at);
  if (st.isDirectory()) {
    const dir = await parent.openDir(child);
    try {
      await packDirectory(walk, dir, st, name, depth);
    } finally {
      await dir.close();
    }
  } else if (st.isSymbolicLink()) {
    await addEntry(walk.pack, { ...headerOf(st, name), type: "symlink", linkname: await readlink(at) });
  } else if (st.isFile()) {
    await packFile(walk, at, name);
  }
}

/** A mount point: the mount's source, opened by its host path (trusted, as the rootfs's is), is what the container sees there. */
async function packMount(walk: Walk, mount: CopyMount, name: string, depth: number): Promise<void> {
  const st = await lstat(mount.source);
  if (st.isDirectory()) {
    const dir = await RootedDir.openRoot(mount.source, mount.destination);
    try {
      await packDirectory(walk, dir, st, name, depth);
    } finally {
      await dir.close();
    }
  } else if (st.isFile()) {
    await packFile(walk, mount.source, name);
  }
}

async function packDirectory(walk: Walk, dir: RootedDir, st: Stats, name: string, depth: number): Promise<void> {
  if (depth > MAX_DEPTH) throw new CopyRuleError("FAILED_PRECONDITION", dir.path, `more than ${MAX_DEPTH} directory levels`, "copy a deeper directory on its own");
  if (name !== "") await addEntry(walk.pack, { ...headerOf(st, `${name}/`), type: "directory" });
  // runc makes a missing mount point when the container starts; before that, only the mount table knows it.
  const children = [...new Set([...(await readdir(dir.self)), ...walk.tree.mountPointsIn(dir.path)])].sort();
  for (const child of children) await packEntry(walk, dir, child, name === "" ? child : `${name}/${child}`, depth + 1);
}

async function packFile(walk: Walk, at: string, name: string): Promise<void> {
  let file: FileHandle;
  try {
    file = await open(at, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ELOOP") throw new PathChangedError(name, e);
    throw e;
  }
  try {
    const st = await file.stat();
    if (!st.isFile()) throw new PathChangedError(name);
    const key = `${st.dev}:${st.ino}`;
    const first = st.nlink > 1 ? walk.links.get(key) : undefined;
    if (first !== undefined) return await addEntry(walk.pack, { ...headerOf(st, name), type: "link", linkname: first });
    if (st.nlink > 1) walk.links.set(key, name);
    await addEntry(walk.pack, { ...headerOf(st, name), type: "file", size: st.size }, file, st.size);
  } finally {
    await file.close();
  }
}

const headerOf = (st: Stats, name: string): Header => ({
  name, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtime: st.mtime, size: 0,
  type: "file", linkname: "", uname: "", gname: "", devmajor: 0, devminor: 0,
});

/** Add one entry; for a file, stream exactly `size` bytes of it (it must not shrink meanwhile). */
function addEntry(pack: Pack, header: Header, file?: FileHandle, size = 0): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const sink = pack.entry(header, (err) => (err ? reject(err) : resolve()));
    if (file === undefined) return;
    (async () => {
      for (let pos = 0; pos < size;) {
        const { bytesRead, buffer } = await file.read(Buffer.alloc(Math.min(CHUNK, size - pos)), 0, Math.min(CHUNK, size - pos), pos);
        if (bytesRead === 0) throw new PathChangedError(header.name);
        pos += bytesRead;
        if (!sink.write(buffer.subarray(0, bytesRead))) await whenDrained(sink);
        if (sink.destroyed) return;
      }
      sink.end(null);
    })().catch((e: unknown) => {
      sink.destroy(e instanceof Error ? e : new Error(String(e)));
      reject(e);
    });
  });
}
