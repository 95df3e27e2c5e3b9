import { posix } from "node:path";
import { CopyPathNotFoundError, CopyRuleError } from "./errors.js";

/** The source of a copy, as found. */
export interface CopySource {
  /** As the user wrote it: a trailing `/.` or `/` matters. */
  readonly path: string;
  readonly isDir: boolean;
}

/** The destination of a copy, as found (symlinks followed). */
export interface CopyDestination {
  /** As the user wrote it: a trailing `/` matters. */
  readonly path: string;
  /** Where the destination is, for messages and NOT_FOUND errors. */
  readonly side: "container" | "host";
  readonly exists: boolean;
  readonly isDir: boolean;
  /** Whether the directory that would hold it exists (as a directory). */
  readonly parentIsDir: boolean;
}

/** Where the copy goes: the source lands in `dir` as `name`, or with `name` "" its contents do. */
export interface CopyPlan {
  /** An existing directory (the destination's path or its parent). */
  readonly dir: string;
  readonly name: string;
}

/** `a/b/` → `b`, `/` → ``. */
const baseName = (p: string): string => posix.basename(posix.normalize(p).replace(/\/+$/, ""));
const dirName = (p: string): string => posix.dirname(posix.normalize(p).replace(/\/+$/, "") || "/");

/**
 * docker cp's rules (its `CopyInfoDestinationPath`), as a table:
 *
 * | source | destination | result |
 * |---|---|---|
 * | file | missing, ends in `/` | error: the directory must exist |
 * | file or dir | missing, parent missing | error: NOT_FOUND |
 * | file | missing | written as DEST |
 * | file | a file | DEST overwritten |
 * | file or dir | a directory | copied into it as `basename(SRC)` |
 * | dir | missing | DEST made, holding SRC's contents |
 * | dir | a file | error: cannot copy a directory to a file |
 * | dir ending in `/.` | a directory | SRC's contents copied into it |
 *
 * A source ending in `/` or `/.` must be a directory, and so must an
 * existing destination ending in `/`.
 */
export function planCopy(src: CopySource, dest: CopyDestination): CopyPlan {
  const asDir = src.path.endsWith("/") || src.path.endsWith("/.");
  if (asDir && !src.isDir) {
    throw new CopyRuleError("FAILED_PRECONDITION", src.path, "not a directory", "drop the trailing slash to copy a file");
  }
  const contentsOnly = src.isDir && (src.path.endsWith("/.") || src.path === ".");
  if (dest.exists && dest.isDir) return { dir: dest.path, name: contentsOnly ? "" : baseName(src.path) };
  if (dest.exists) {
    if (src.isDir) throw new CopyRuleError("FAILED_PRECONDITION", dest.path, "cannot copy a directory to a file", "give a directory, or a path that does not exist yet");
    if (dest.path.endsWith("/")) throw new CopyRuleError("FAILED_PRECONDITION", dest.path, "not a directory", "drop the trailing slash to overwrite the file");
    return { dir: dirName(dest.path), name: baseName(dest.path) };
  }
  if (dest.path.endsWith("/") && !src.isDir) {
    throw new CopyRuleError("NOT_FOUND", dest.path, "the destination directory does not exist", "create it first, or drop the trailing slash to copy to a file of that name");
  }
  if (!dest.parentIsDir) throw new CopyPathNotFoundError(dest.side, dirName(dest.path));
  return { dir: dirName(dest.path), name: baseName(dest.path) };
}
