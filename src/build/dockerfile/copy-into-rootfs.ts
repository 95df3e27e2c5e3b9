import { lstat, realpath } from "node:fs/promises";
import { posix } from "node:path";
import { BerthError } from "../../oci/index.js";
import { archiveCompression, extractArchive } from "./add-archive.js";
import { ensureDirectory, normalizeDestination, resolveInRootfs, type Destination } from "./copy-destination.js";
import { CopyDestinationError } from "./copy-errors.js";
import { parseChmod, parseChown, type CopyOwner } from "./copy-owner.js";
import { resolveCopySources, type CopyItem, type CopySourcesRequest, type ResolvedCopySources } from "./copy-sources.js";
import { writeDirectoryAt, writeFileAt, type FileSource, type RootfsPath, type WriteContext } from "./copy-tree.js";

export { mkdirInRootfs } from "./copy-destination.js";

/** Options for {@link copyIntoRootfs}: the sources (see CopySourcesRequest) and where they go. */
export interface CopyIntoRootfsOptions extends CopySourcesRequest {
  /** Host path of the step's mounted rootfs (the overlay's merged dir); written with ordinary file calls. */
  readonly rootfs: string;
  /** As the Dockerfile gives it, expanded: absolute, or relative to `workdir`; a trailing `/` means a directory. */
  readonly destination: string;
  /** The stage's WORKDIR ("/" when unset). */
  readonly workdir: string;
  /** `--chown=USER[:GROUP]`, names looked up in the rootfs. */
  readonly chown?: string;
  /** `--chmod=OCTAL`. */
  readonly chmod?: string;
  /** Sources resolved (and hashed) earlier; then this call neither resolves nor disposes of them. */
  readonly resolved?: ResolvedCopySources;
  /** Apply owners; default: running as root. */
  readonly privileged?: boolean;
  /** Called after each source is written. */
  readonly onProgress?: (event: CopyProgress) => void;
}

/** One source written. */
export interface CopyProgress {
  /** The source as given (or the path a wildcard matched, the URL, `<<NAME` for a heredoc). */
  readonly source: string;
  readonly action: "copied" | "extracted";
  /** Totals so far. */
  readonly files: number;
  readonly bytes: number;
}

/** What {@link copyIntoRootfs} wrote. */
export interface CopyResult {
  /** Regular files written, also those extracted from archives (hard links not counted). */
  readonly files: number;
  readonly bytes: number;
  /** Sockets, FIFOs and devices inside copied directories, left out (relative to their source root). */
  readonly skipped: readonly string[];
}

const ROOT: CopyOwner = { uid: 0, gid: 0 };
/** docker's name for a download whose URL and headers give none. */
const UNNAMED = "__unnamed__";

/**
 * COPY or ADD into a step's rootfs with docker's semantics (its legacy
 * builder, which `docker build` of docker 20.10–28 runs without BuildKit):
 *
 * - sources: see resolveCopySources (context-relative, wildcards, symlinks
 *   followed inside the context, `.dockerignore`d files invisible);
 * - a directory copies its contents; a file goes inside when the
 *   destination ends in `/` or is an existing directory, else becomes it;
 *   several sources need a destination ending in `/`;
 * - the destination is resolved inside the rootfs, all its symlinks
 *   followed there (never to the host); missing parents are made 0755;
 * - owners: `--chown` (docker's lookup), else root for context files and
 *   downloads, else (COPY --from) the source's own; modes kept (minus the
 *   setuid bits docker's chown clears), or `--chmod`; mtimes kept in whole
 *   seconds;
 * - ADD extracts a local tar (plain, gzip, bzip2, xz; told by content) into
 *   the destination, confined to it, owners from the tar unless `--chown`;
 *   downloads URLs (mode 0600, Last-Modified, never extracted);
 *   heredocs become files (0644) named after them.
 *
 * Throws the errors of resolveCopySources, CopyOwnerError, and
 * CopyDestinationError (a file where a directory must be, several sources
 * without `/`); filesystem failures come as CopyDestinationError naming the
 * destination. What was written before a failure stays; the caller
 * discards the step's upper dir.
 */
export async function copyIntoRootfs(opts: CopyIntoRootfsOptions): Promise<CopyResult> {
  const rootfs = await realpath(opts.rootfs);
  const resolved = opts.resolved ?? (await resolveCopySources(opts));
  try {
    const dest = normalizeDestination(opts.destination, opts.workdir);
    if (resolved.items.length > 1 && !dest.isDirectory) {
      throw new CopyDestinationError(opts.destination, `${resolved.items.length} sources need a directory destination ending with /`,
        `write ${JSON.stringify(`${opts.destination}/`)} (docker's rule: with more than one source file the destination must end with a /)`);
    }
    const chown = opts.chown === undefined ? undefined : await parseChown(opts.chown, rootfs);
    const ctx: WriteContext = {
      rootfs,
      owner: chown ?? (resolved.tree.kind === "context" ? ROOT : undefined),
      chmod: opts.chmod === undefined ? undefined : parseChmod(opts.chmod),
      privileged: opts.privileged ?? process.getuid?.() === 0,
      ...(opts.signal && { signal: opts.signal }),
      totals: { files: 0, bytes: 0, skipped: [] },
    };
    for (const item of resolved.items) {
      opts.signal?.throwIfAborted();
      const action = await copyItem(ctx, resolved, item, dest, chown).catch((e: unknown) => {
        throw asCopyError(e, rootfs, opts.destination);
      });
      opts.onProgress?.({ source: itemName(item), action, files: ctx.totals.files, bytes: ctx.totals.bytes });
    }
    return { files: ctx.totals.files, bytes: ctx.totals.bytes, skipped: ctx.totals.skipped };
  } finally {
    if (opts.resolved === undefined) await resolved.dispose();
  }
}

/** docker's performCopyForInfo for one source. */
async function copyItem(ctx: WriteContext, resolved: ResolvedCopySources, item: CopyItem, dest: Destination, chown: CopyOwner | undefined): Promise<CopyProgress["action"]> {
  // Resolved per source, as docker does: an earlier source may have changed what the path leads to.
  const at = await resolveInRootfs(ctx.rootfs, dest.path);
  if (item.kind === "path" && item.stats.isDirectory()) {
    await writeDirectoryAt(ctx, resolved.tree, item.rel, at);
    return "copied";
  }
  if (item.kind === "path" && resolved.request.kind === "ADD") {
    const host = resolved.tree.hostPath(item.rel);
    const compression = await archiveCompression(host);
    if (compression !== undefined) {
      const st = await lstat(at.host).catch(() => undefined);
      if (st !== undefined && !st.isDirectory()) throw new CopyDestinationError(dest.path, "is not a directory, so an archive cannot be extracted into it", "ADD extracts local tar archives into a directory", "FAILED_PRECONDITION");
      if (st === undefined) await ensureDirectory(ctx.rootfs, at.path, ROOT, ctx.privileged, dest.path);
      const done = await extractArchive(host, compression, {
        root: at.host, name: item.source, privileged: ctx.privileged, ...(chown && { owner: chown }), ...(ctx.signal && { signal: ctx.signal }),
      });
      ctx.totals.files += done.files;
      ctx.totals.bytes += done.bytes;
      return "extracted";
    }
  }
  const { name, source } = fileSource(item, dest, resolved);
  if (name === "" || name === "." || name === ".." || name.includes("/") || name.includes("\0")) {
    throw new CopyDestinationError(dest.path, `${JSON.stringify(name)} from ${JSON.stringify(itemName(item))} cannot name a file`, "give the destination file's name without a trailing /");
  }
  const isDirectory = dest.isDirectory || (await lstat(at.host).catch(() => undefined))?.isDirectory() === true;
  const target: RootfsPath = isDirectory ? { path: posix.join(at.path, name), host: `${at.host}/${name}` } : at;
  await writeFileAt(ctx, source, target);
  return "copied";
}

/** The name a file source takes inside a directory destination, and where its bytes and metadata come from. */
function fileSource(item: CopyItem, dest: Destination, resolved: ResolvedCopySources): { name: string; source: FileSource } {
  switch (item.kind) {
    case "path": {
      const name = posix.basename(posix.normalize(item.source.replace(/^\/+/, "") || "."));
      const st = item.stats;
      return { name, source: { from: { path: resolved.tree.hostPath(item.rel) }, mode: st.mode, uid: st.uid, gid: st.gid, mtimeMs: st.mtimeMs } };
    }
    case "url": {
      const name = item.download.name;
      if (name === undefined && dest.isDirectory) {
        throw new CopyDestinationError(dest.path, `cannot determine a file name for ${item.download.url}`, "name the file in the destination (no trailing /), or use a URL whose path ends in a file name");
      }
      return { name: name ?? UNNAMED, source: { from: { path: item.download.file }, mode: 0o600, uid: 0, gid: 0, mtimeMs: item.download.mtimeMs } };
    }
    case "heredoc":
      return { name: item.name, source: { from: { content: item.content }, mode: 0o644, uid: 0, gid: 0, mtimeMs: item.mtimeMs } };
  }
}

const itemName = (item: CopyItem): string => (item.kind === "path" ? item.source : item.kind === "url" ? item.download.url : `<<${item.name}`);

/** Filesystem errors as CopyDestinationError, host paths cut to rootfs paths. */
function asCopyError(e: unknown, rootfs: string, destination: string): unknown {
  if (e instanceof BerthError || (e as Error)?.name === "AbortError") return e;
  const err = e as NodeJS.ErrnoException;
  if (typeof err?.code !== "string") return e;
  const where = (p: string | undefined): string => (p === undefined ? "" : ` ${p.startsWith(rootfs) ? p.slice(rootfs.length) || "/" : "(source)"}`);
  const known: Record<string, string> = { ENOTDIR: "a parent is not a directory", EISDIR: "is a directory", ENOSPC: "no space left on the device", EROFS: "read-only filesystem", ELOOP: "too many symlinks" };
  return new CopyDestinationError(destination, `${err.syscall ?? "write"}${where(err.path)}: ${known[err.code] ?? err.code}`,
    err.code === "ENOSPC" ? "free space where berth keeps its snapshots" : "check what the image has at that path", err.code === "ENOTDIR" || err.code === "EISDIR" || err.code === "ELOOP" ? "FAILED_PRECONDITION" : "INTERNAL");
}
