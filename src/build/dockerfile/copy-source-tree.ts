import { lstatSync, readdirSync, readlinkSync, type Stats } from "node:fs";
import { realpath } from "node:fs/promises";
import { posix } from "node:path";
import { CopyOutsideContextError, CopySourceNotFoundError } from "./copy-errors.js";

/**
 * Which files of a build context exist for COPY: DockerContextFilter
 * (`.dockerignore`) has this shape, as do node-app's ContextFilter and
 * TreeSelection. Paths are relative to the context, `/`-separated.
 */
export interface SourceFilter {
  isIncluded(path: string, isDir: boolean): boolean;
  /** True when an excluded directory may still hold included files (a `!` rule below it). */
  shouldDescend(dir: string): boolean;
}

/**
 * Where COPY/ADD read from: the build context (files `filter` leaves out
 * are invisible, as docker's client never sends them), or the files of an
 * earlier stage or an image (`COPY --from`), whose owners are kept.
 */
export type CopySourceRoot =
  | { readonly kind: "context"; readonly dir: string; readonly filter?: SourceFilter }
  | { readonly kind: "rootfs"; readonly dir: string };

/** An entry met while walking a directory source. */
export interface SourceEntry {
  /** Relative to the tree's root, `/`-separated, no leading `/`. */
  readonly rel: string;
  readonly stats: Stats;
  /**
   * An excluded directory walked into only because something below it is
   * included: it exists in docker's context only as a parent, so it is
   * copied as a new directory (0755), not with its own metadata.
   */
  readonly isImplicit: boolean;
}

const MAX_LINKS = 255;

/** Byte order of UTF-8 names, as Go sorts them (JavaScript's default compares UTF-16 units). */
export const byName = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

/**
 * A read-only view of a COPY source root. Every path is resolved inside the
 * root, as docker's FollowSymlinkInScope does: an absolute symlink target
 * starts again at the root, `..` stops there, so a context symlink to
 * `/etc/passwd` names the context's own `etc/passwd`, never the host's.
 * Symlinks inside a copied directory are never followed (they are copied as
 * links); only the source path itself is resolved.
 *
 * The file system calls are synchronous on purpose: on the page cache each
 * takes microseconds, while an awaited one costs a thread-pool round trip —
 * walking a 10 000-file context took 20 times longer that way.
 */
export class SourceTree {
  private readonly hasVisible = new Map<string, boolean>();

  private constructor(readonly root: CopySourceRoot, readonly dir: string) {}

  /** Open `root`; its directory is canonicalised once (the caller trusts the path to it). */
  static async open(root: CopySourceRoot): Promise<SourceTree> {
    return new SourceTree(root, await realpath(root.dir));
  }

  get kind(): "context" | "rootfs" {
    return this.root.kind;
  }

  /** The host path of `rel`; only for paths this tree resolved or walked. */
  hostPath(rel: string): string {
    return rel === "" ? this.dir : `${this.dir}/${rel}`;
  }

  /**
   * Resolve a source as written (docker trims one leading `/` and then one
   * `./`) to a clean relative path with no symlink in it, following every
   * symlink inside the root. Throws CopyOutsideContextError when `..`
   * climbs above the root as written, CopySourceNotFoundError when the
   * result does not exist or is excluded (also after a symlink loop).
   */
  async resolve(source: string): Promise<{ rel: string; stats: Stats }> {
    const trimmed = trimSource(source);
    const lexical = posix.normalize(trimmed === "" ? "." : trimmed);
    if (lexical === ".." || lexical.startsWith("../")) throw new CopyOutsideContextError(source);
    let pending = lexical.split("/").filter((p) => p !== "" && p !== ".");
    const at: string[] = [];
    for (let links = 0; pending.length > 0;) {
      const part = pending.shift()!;
      if (part === "..") {
        at.pop();
        continue;
      }
      const rel = [...at, part].join("/");
      const st = this.stat(rel);
      // A missing part is taken as written and the walk goes on, so `missing/../a.txt` is `a.txt` (Go's evalSymlinksInScope).
      if (st === undefined || !st.isSymbolicLink()) {
        at.push(part);
        continue;
      }
      if (++links > MAX_LINKS) throw new CopySourceNotFoundError(source, this.kind);
      const target = readlinkSync(this.hostPath(rel));
      if (target.startsWith("/")) at.length = 0;
      pending = [...target.split("/").filter((p) => p !== "" && p !== "."), ...pending];
    }
    const rel = at.join("/");
    const stats = rel === "" ? lstatSync(this.dir) : this.stat(rel);
    if (stats === undefined) throw new CopySourceNotFoundError(source, this.kind);
    return { rel, stats };
  }

  /** lstat `rel` if it exists and the filter lets it be seen; its parent must be visible (callers walk down). */
  stat(rel: string): Stats | undefined {
    let st: Stats | undefined;
    try {
      st = lstatSync(this.hostPath(rel), { throwIfNoEntry: false });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOTDIR") throw e;
    }
    return st !== undefined && this.isVisible(rel, st) ? st : undefined;
  }

  /** The visible entries of directory `rel`, sorted by name bytes. */
  list(rel: string): SourceEntry[] {
    const out: SourceEntry[] = [];
    for (const name of readdirSync(this.hostPath(rel)).sort(byName)) {
      const child = rel === "" ? name : `${rel}/${name}`;
      const stats = lstatSync(this.hostPath(child));
      if (this.isVisible(child, stats)) out.push({ rel: child, stats, isImplicit: this.isImplicit(child, stats) });
    }
    return out;
  }

  /** Every visible entry below directory `rel`, parents before children, each level sorted by name bytes (Go's filepath.Walk order). */
  *walk(rel: string): Generator<SourceEntry> {
    for (const entry of this.list(rel)) {
      yield entry;
      if (entry.stats.isDirectory()) yield* this.walk(entry.rel);
    }
  }

  private isImplicit(rel: string, st: Stats): boolean {
    return this.root.kind === "context" && this.root.filter !== undefined && st.isDirectory() && !this.root.filter.isIncluded(rel, true);
  }

  private isVisible(rel: string, st: Stats): boolean {
    if (this.root.kind !== "context" || this.root.filter === undefined || rel === "") return true;
    const filter = this.root.filter;
    if (filter.isIncluded(rel, st.isDirectory())) return true;
    return st.isDirectory() && filter.shouldDescend(rel) && this.hasVisibleBelow(rel);
  }

  private hasVisibleBelow(dir: string): boolean {
    const known = this.hasVisible.get(dir);
    if (known !== undefined) return known;
    let found = false;
    for (const name of readdirSync(this.hostPath(dir))) {
      const child = `${dir}/${name}`;
      if (this.isVisible(child, lstatSync(this.hostPath(child)))) {
        found = true;
        break;
      }
    }
    this.hasVisible.set(dir, found);
    return found;
  }
}

/** docker's trimming of a source path: one leading `/`, then one leading `./`. */
export function trimSource(source: string): string {
  const noSlash = source.startsWith("/") ? source.slice(1) : source;
  return noSlash.startsWith("./") ? noSlash.slice(2) : noSlash;
}
