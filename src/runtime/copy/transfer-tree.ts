import { lstat, stat } from "node:fs/promises";
import type { Stats } from "node:fs";
import { pack as tarPack } from "tar-stream";
import { extractArchive, type ExtractOptions } from "./extract-archive.js";
import type { MountedRoot } from "./mounted-root.js";
import { packTree, type PackSource } from "./pack-tree.js";

/** Options of copyFromContainer and copyToContainer (docker cp's flags). */
export interface CopyOptions {
  /** Follow a symlink that is the last component of the source (`-L`); otherwise the link itself is copied. */
  readonly followLink?: boolean;
  /**
   * Keep the files' uid/gid (`-a`). Default, as docker's: files copied out
   * of a container are the caller's; files copied in keep theirs when this
   * process is root (it must be, to chown).
   */
  readonly preserveOwner?: boolean;
  /** For a tar written to a stream: end it afterwards (default true; false for process.stdout). */
  readonly end?: boolean;
  readonly signal?: AbortSignal;
}

/** Where a tree is written: `dest` (a directory that exists) inside `root`. */
export interface ExtractTarget {
  readonly root: string | MountedRoot;
  readonly dest: string;
}

/**
 * Copy `src` into `target` as `name` (with "" its contents) through an
 * in-memory tar stream: the same packer and extractor as `cp` with `-`, so
 * a copy between two paths follows the rules a tar would. The packer's
 * error wins over the extractor's (it is the cause).
 */
export async function transferTree(src: PackSource, name: string, target: ExtractTarget, opts: ExtractOptions): Promise<void> {
  const pack = tarPack();
  let packError: unknown;
  const producing = packTree(pack, src, name, opts.signal).then(
    () => pack.finalize(),
    (e: unknown) => {
      packError = e;
      pack.destroy(e instanceof Error ? e : new Error(String(e)));
    },
  );
  try {
    // streamx yields the tar's Buffers; its typings say unknown.
    await extractArchive(pack as AsyncIterable<Uint8Array>, target.root, target.dest, opts);
  } catch (e) {
    pack.destroy();
    await producing;
    throw packError ?? e;
  }
  await producing;
  if (packError !== undefined) throw packError;
}

/** stat or lstat, undefined for a path that is missing (ENOENT, or ENOTDIR: a file on the way). */
export async function statIfExists(path: string, follow: boolean): Promise<Stats | undefined> {
  try {
    return await (follow ? stat(path) : lstat(path));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw e;
  }
}
