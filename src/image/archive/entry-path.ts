import { posix } from "node:path";
import { ArchiveEntryError } from "./errors.js";

/**
 * The name of an archive entry in one canonical form: relative, `/`-separated,
 * no `.` or empty components, no trailing `/` (`./blobs//sha256/` →
 * `blobs/sha256`). Throws ArchiveEntryError for a name that could leave the
 * archive's root if it were ever extracted: absolute, with a `..` component,
 * empty, or containing a NUL byte. Names are compared only in this form, so
 * `a/./b` and `a/b` are one entry.
 */
export function normalizeEntryPath(name: string): string {
  if (name.includes("\0")) throw new ArchiveEntryError(name, "the name contains a NUL byte");
  if (name.startsWith("/")) {
    throw new ArchiveEntryError(name, "absolute paths are not allowed", { hint: "an image archive holds only relative paths" });
  }
  const parts = name.split("/").filter((p) => p !== "" && p !== ".");
  if (parts.includes("..")) {
    throw new ArchiveEntryError(name, "the path has a \"..\" component, which would leave the archive", {
      hint: "the archive is malformed or hostile; do not load it",
    });
  }
  if (parts.length === 0) throw new ArchiveEntryError(name, "the name is empty");
  return parts.join("/");
}

/**
 * Where a link entry points, as an archive path in the form of
 * normalizeEntryPath. A symlink's target is relative to the directory of the
 * link (`a/layer.tar` → `../b.tar` is `b.tar`); a hard link's target is
 * relative to the archive root. Throws ArchiveEntryError for a target that is
 * absolute or climbs above the archive root: links are resolved by name inside
 * the archive and never followed on a filesystem, so such a link can only be
 * an attempt to read something else.
 */
export function resolveLinkTarget(entry: string, linkname: string, kind: "symlink" | "link"): string {
  if (linkname === "") throw new ArchiveEntryError(entry, `the ${kind} has an empty target`);
  if (linkname.startsWith("/") || linkname.includes("\0")) {
    throw new ArchiveEntryError(entry, `${kind} to ${JSON.stringify(linkname)} points outside the archive`, {
      hint: "links in an image archive must stay inside it; the archive is malformed or hostile",
    });
  }
  const base = kind === "symlink" ? posix.dirname(entry) : ".";
  const joined = posix.normalize(posix.join(base, linkname));
  if (joined === ".." || joined.startsWith("../") || joined === ".") {
    throw new ArchiveEntryError(entry, `${kind} to ${JSON.stringify(linkname)} points outside the archive`, {
      hint: "links in an image archive must stay inside it; the archive is malformed or hostile",
    });
  }
  return normalizeEntryPath(joined);
}
