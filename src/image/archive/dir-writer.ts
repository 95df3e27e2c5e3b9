import { lstat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { replaceFileAtomic } from "../../content/index.js";
import { openFile, type ArchiveFile } from "./archive-file.js";
import { ArchiveEntryError, ArchiveOutputError } from "./errors.js";
import { makeOutputDirectory } from "./output-directory.js";

/** Options for {@link writeDirectory}. */
export interface DirectoryWriteOptions {
  /** Files (by path) to leave alone when a regular file of the right size is already there: content-addressed blobs. */
  readonly reuse?: (path: string) => boolean;
  readonly signal?: AbortSignal;
}

/**
 * Write `files` under `dir`, in the order given, each atomically: a temp file
 * beside it, fsync, rename, fsync of the directory. A crash leaves every file
 * either as it was or whole, so a caller that writes an index last (an OCI
 * layout's index.json) never publishes one that names missing files. An
 * existing symlink or directory in a file's place is refused. `dir` and the
 * directories under it are made as needed (see makeOutputDirectory); a
 * file-system failure throws ArchiveOutputError naming the path, and leaves
 * no temp file.
 */
export async function writeDirectory(dir: string, files: readonly ArchiveFile[], opts: DirectoryWriteOptions = {}): Promise<void> {
  await makeOutputDirectory(dir);
  for (const file of files) {
    opts.signal?.throwIfAborted();
    const target = join(dir, ...file.path.split("/"));
    await makeOutputDirectory(dirname(target));
    const existing = await lstat(target).catch((e: unknown) => {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw ArchiveOutputError.fromSystemError(target, e);
    });
    if (existing !== undefined && !existing.isFile()) {
      throw new ArchiveEntryError(file.path, `exists in ${dir} and is not a regular file`, { code: "FAILED_PRECONDITION", hint: "remove it or write to another directory" });
    }
    if (existing !== undefined && opts.reuse?.(file.path) === true && existing.size === file.size) continue;
    await writeOne(target, file);
  }
}

async function writeOne(target: string, file: ArchiveFile): Promise<void> {
  // Failures of the file being written name it; those of the source (a store read) go on as they are.
  const toTarget = (e: unknown): ArchiveOutputError => ArchiveOutputError.fromSystemError(target, e);
  await replaceFileAtomic(target, async (fh) => {
    let n = 0;
    for await (const chunk of await openFile(file)) {
      n += chunk.length;
      if (n > file.size) throw new Error(`${file.path}: more than the ${file.size} bytes expected`);
      for (let off = 0; off < chunk.length;) {
        off += (await fh.write(chunk, off).catch((e: unknown) => {
          throw toTarget(e);
        })).bytesWritten;
      }
    }
    if (n !== file.size) throw new Error(`${file.path}: ${n} bytes, ${file.size} were expected`);
  }, { fileError: toTarget });
}
