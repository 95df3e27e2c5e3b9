import { posix } from "node:path";
import { UnsafeArchiveEntryError } from "./errors.js";

/**
 * The path components of a tar entry name, relative to the extraction
 * directory: `./a//b/` → ["a", "b"]; `.` or `./` → [] (the directory
 * itself). Refuses what could reach outside: an absolute name, a `..`
 * component anywhere, a NUL byte, an empty name.
 */
export function entryComponents(name: string): string[] {
  if (name === "") throw new UnsafeArchiveEntryError(name, "empty name");
  if (name.includes("\0")) throw new UnsafeArchiveEntryError(name, "the name contains a NUL byte");
  if (name.startsWith("/")) throw new UnsafeArchiveEntryError(name, "absolute name (a copy archive holds relative paths)");
  const parts = name.split("/").filter((p) => p !== "" && p !== ".");
  if (parts.includes("..")) throw new UnsafeArchiveEntryError(name, "the name has a `..` component (path traversal)");
  return parts;
}

/**
 * Check the target of a symlink entry that will sit in `dir` (a clean
 * absolute path inside the root): an absolute target is read inside the
 * root, as the container reads it, and is fine; a relative one must not
 * climb above the root. Throws UnsafeArchiveEntryError when it does.
 */
export function checkSymlinkTarget(entry: string, dir: string, target: string): void {
  if (target === "") throw new UnsafeArchiveEntryError(entry, "a symlink with an empty target");
  if (target.includes("\0")) throw new UnsafeArchiveEntryError(entry, "the symlink target contains a NUL byte");
  if (target.startsWith("/")) return;
  let depth = dir.split("/").filter((p) => p !== "").length;
  for (const part of target.split("/")) {
    if (part === "" || part === ".") continue;
    depth += part === ".." ? -1 : 1;
    if (depth < 0) throw new UnsafeArchiveEntryError(entry, `the symlink target ${JSON.stringify(target)} climbs out of the root`);
  }
}

/** `dir` joined with `parts` as a clean absolute path inside the root. */
export const joinInRoot = (dir: string, parts: readonly string[]): string => posix.join(dir, ...parts);
