import { posix } from "node:path";
import { BadPackageError } from "./errors.js";

/** A file, directory or link placed in the image, path relative to `/` without a leading "./". */
export interface TreeEntry {
  readonly path: string;
  readonly type: "file" | "directory" | "symlink" | "link";
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly linkname?: string;
  readonly data?: Buffer;
}

/** What {@link RootfsTree.add} takes: a .deb entry or a generated file. */
export interface TreeInput {
  readonly path: string;
  readonly type: string;
  readonly mode: number;
  readonly linkname?: string;
  readonly data?: Buffer;
  readonly uid?: number;
  readonly gid?: number;
}

/**
 * The content of one layer being composed. Every path is checked as it is
 * added, so a hostile package cannot write outside the image root: no
 * absolute or `..` member paths, no relative symlink pointing above `/`, no
 * hard link to a file not already in the tree, no entry below a symlink, no
 * device nodes or FIFOs. A later entry for the same path replaces the earlier
 * one (dpkg would refuse the overlap; Debian's archive forbids it).
 */
export class RootfsTree {
  private readonly entries = new Map<string, TreeEntry>();

  /** Add `e`; `source` (the package file) names it in errors. Throws BadPackageError. */
  add(e: TreeInput, source: string): void {
    const path = safePath(e.path, source);
    if (path === "") return; // "./", the root itself
    const bad = (why: string): never => {
      throw new BadPackageError(source, `${JSON.stringify(e.path)}: ${why}`);
    };
    const type = e.type;
    if (type !== "file" && type !== "directory" && type !== "symlink" && type !== "link") return bad(`entry type ${type} is not allowed in a base image`);
    for (let p = posix.dirname(path); p !== "."; p = posix.dirname(p)) {
      const parent = this.entries.get(p);
      if (parent && parent.type !== "directory") bad(`placed below ${parent.type} ${p}`);
    }
    let linkname: string | undefined;
    if (e.type === "symlink") {
      linkname = e.linkname ?? bad("symlink without a target");
      if (!linkname.startsWith("/") && posix.normalize(posix.join(posix.dirname(path), linkname)).startsWith("..")) bad(`symlink to ${linkname} leaves the image root`);
    } else if (e.type === "link") {
      linkname = safePath(e.linkname ?? bad("hard link without a target"), source);
      if (this.entries.get(linkname)?.type !== "file") bad(`hard link to ${linkname}, which is not a file in the package`);
    }
    const existing = this.entries.get(path);
    if (existing?.type === "directory" && e.type === "directory") return; // shared directories
    this.entries.set(path, {
      path, type, mode: e.mode & 0o7777, uid: e.uid ?? 0, gid: e.gid ?? 0,
      ...(linkname !== undefined && { linkname }), ...(e.type === "file" && { data: e.data ?? Buffer.alloc(0) }),
    });
  }

  get(path: string): TreeEntry | undefined {
    return this.entries.get(path);
  }

  /** Paths below `dir` (no trailing slash), any depth. */
  below(dir: string): TreeEntry[] {
    return [...this.entries.values()].filter((e) => e.path.startsWith(`${dir}/`));
  }

  /**
   * Every entry sorted by path bytes, with missing parent directories added
   * (mode 0755, root-owned), so a parent always precedes its children.
   */
  sorted(): TreeEntry[] {
    const all = new Map(this.entries);
    for (const path of this.entries.keys()) {
      for (let p = posix.dirname(path); p !== "."; p = posix.dirname(p)) {
        if (!all.has(p)) all.set(p, { path: p, type: "directory", mode: 0o755, uid: 0, gid: 0 });
      }
    }
    return [...all.values()].sort((a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path)));
  }
}

/** `./usr/bin/x` → `usr/bin/x`; throws on absolute paths, `..`, NUL or empty segments in the middle. */
function safePath(raw: string, source: string): string {
  const p = raw.replace(/^\.\//, "").replace(/\/+$/, "");
  const bad = (why: string): never => {
    throw new BadPackageError(source, `${JSON.stringify(raw)}: ${why}`);
  };
  if (raw.startsWith("/")) bad("absolute path in package");
  if (p.includes("\0")) bad("NUL in path");
  if (p === "." || p === "") return "";
  if (p.split("/").some((s) => s === ".." || s === "" || s === ".")) bad("path with '..', '.' or an empty segment");
  return p;
}
