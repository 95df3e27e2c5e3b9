import { chmod, lutimes, realpath } from "node:fs/promises";
import { dirname, posix } from "node:path";
import { BerthError, type ErrorCode } from "../../oci/index.js";
import type { ExtractContext, ExtractWarning, WhiteoutFormat } from "./extract-context.js";
import { copyLowerMetadata, makeParents, type DeferredDirectory } from "./make-parents.js";
import { removeTree } from "./remove-tree.js";
import { cleanPath, RootResolver, splitPath, TooManyLinksError } from "./root-path.js";
import { SpecialFiles } from "./special-files.js";
import { readTar, type TarEntry } from "./tar-reader.js";
import { LayerEntryError } from "./unpack-errors.js";
import { applyWhiteout, invalidWhiteout } from "./whiteouts.js";
import { writeEntry } from "./write-entry.js";
import { OPAQUE_XATTR, XattrWriter } from "./xattr-writer.js";

export type { ExtractWarning, WhiteoutFormat } from "./extract-context.js";

/** Options for {@link extractLayer}. */
export interface ExtractOptions {
  /** Names the layer in errors and warnings, e.g. its digest. */
  readonly layer: string;
  /** How whiteouts are stored; see {@link WhiteoutFormat}. */
  readonly whiteouts: WhiteoutFormat;
  /**
   * The fs directories of the layers below, top first: missing parents copy
   * their metadata. A function is called, once, only after the last entry
   * and only when a parent was missing, so the layers below may still be
   * in the making while this one is extracted.
   */
  readonly parents?: readonly string[] | (() => Promise<readonly string[]>);
  /** Apply owners, devices and xattrs; default: running as uid 0. `overlay` whiteouts need it. */
  readonly privileged?: boolean;
  /** Create device nodes and fifos (when privileged); default true, as containerd. */
  readonly allowDevices?: boolean;
  /** Called for each thing skipped rather than failed. */
  readonly onWarning?: (warning: ExtractWarning) => void;
  readonly signal?: AbortSignal;
}

/** What {@link extractLayer} did. */
export interface ExtractResult {
  readonly entries: number;
  /** Sum of the entries' data sizes. */
  readonly size: number;
  /** Up to the first 100 warnings; `warningCount` counts them all. */
  readonly warnings: readonly ExtractWarning[];
  readonly warningCount: number;
  /** Directories made opaque (`overlay` format), relative to the destination. */
  readonly opaqueDirs: readonly string[];
}

const MAX_KEPT_WARNINGS = 100;
// Errors that say the layer asks for something impossible or unsafe, rather than the machine failing.
const LAYER_FAULTS = new Set(["ENOTDIR", "EISDIR", "EEXIST", "ENOENT", "EPERM", "ELOOP", "ENAMETOOLONG", "EINVAL", "EXDEV", "EMLINK"]);

/**
 * Apply one layer tar (its uncompressed bytes, read to the end-of-archive
 * marker and no further) onto the directory `dest`, as containerd's
 * archive.Apply does, safely:
 *
 * - names are cleaned; absolute names become relative and `..` stops at `dest`;
 * - parent directories are resolved with symlinks followed *inside* `dest`
 *   only (an absolute target or a `..` chain cannot leave it), and created
 *   when missing;
 * - a hard link's target is resolved the same way, so it links inside `dest`
 *   or fails; a symlink's target is only data, never followed while extracting;
 * - whiteouts are validated (`.wh..` is refused) and stored in `whiteouts` format;
 * - a later entry replaces an earlier one at the same path, except that a
 *   directory over a directory merges;
 * - short-lived scratch files (a whiteout template, the xattr list) are
 *   written beside `dest` as `.<name of dest>.*` and removed before returning;
 * - owners, setuid bits, xattrs (`SCHILY.xattr.*`, binary-safe) and times are
 *   kept; overlayfs xattrs from the tar are dropped with a warning.
 *
 * Throws LayerEntryError naming the entry (`layer …: entry "…": …`) or
 * LayerFormatError for a broken stream; what was written before stays in
 * `dest` for the caller to discard. Nothing is ever written outside `dest`.
 */
export async function extractLayer(tar: AsyncIterator<Uint8Array>, dest: string, opts: ExtractOptions): Promise<ExtractResult> {
  const root = await realpath(dest);
  const privileged = opts.privileged ?? process.getuid?.() === 0;
  if (opts.whiteouts === "overlay" && !privileged) {
    throw new BerthError("FAILED_PRECONDITION", `layer ${opts.layer}: overlay whiteouts (character devices, trusted xattrs) need root`, {
      hint: "extract with the marker whiteout format when not running as root",
    });
  }
  const warnings: ExtractWarning[] = [];
  let warningCount = 0;
  const ctx: ExtractContext = {
    layer: opts.layer, root, privileged, format: opts.whiteouts,
    allowDevices: opts.allowDevices ?? true,
    implicitDirs: new Set(),
    resolver: new RootResolver(root),
    xattrs: new XattrWriter(),
    specials: new SpecialFiles(`${dirname(root)}/.${posix.basename(root)}`),
    unpacked: new Set(),
    deferred: new Map(),
    entryAt: new Map(),
    warn(entry, message) {
      warningCount++;
      const warning = { entry, message };
      if (warnings.length < MAX_KEPT_WARNINGS) warnings.push(warning);
      opts.onWarning?.(warning);
    },
    defer(path, dir) {
      ctx.deferred.set(path, dir);
    },
  };
  let entries = 0;
  let size = 0;
  let opaqueDirs: string[] = [];
  try {
    for await (const entry of readTar(tar, { layer: opts.layer })) {
      opts.signal?.throwIfAborted();
      entries++;
      size += entry.size;
      try {
        await applyEntry(ctx, entry);
      } catch (e) {
        throw asEntryError(opts.layer, entry.name, e);
      }
    }
    if (ctx.implicitDirs.size > 0) {
      const parents = typeof opts.parents === "function" ? await opts.parents() : opts.parents ?? [];
      try {
        await copyLowerMetadata(ctx, parents);
      } catch (e) {
        throw asEntryError(opts.layer, "(parent directories)", e);
      }
    }
    // Read before finish() applies, and so empties, the queue of xattrs.
    if (ctx.format === "overlay") opaqueDirs = ctx.xattrs.pathsWith(OPAQUE_XATTR).map((p) => p.slice(root.length + 1));
    await finish(ctx);
  } finally {
    await ctx.specials.dispose();
  }
  return { entries, size, warnings, warningCount, opaqueDirs };
}

async function applyEntry(ctx: ExtractContext, entry: TarEntry): Promise<void> {
  const [dir, base] = splitPath(cleanPath(entry.name));
  const ppath = await ctx.resolver.resolve(dir);
  const path = cleanPath(posix.join(ppath, posix.join("/", base)));
  if (path === ctx.root) return;
  if (ppath !== ctx.root) await makeParents(ctx, base === "" ? dirname(path) : ppath);
  const invalid = invalidWhiteout(path);
  if (invalid !== undefined) throw new LayerEntryError(ctx.layer, entry.name, invalid);
  if (!(await applyWhiteout(ctx, path))) return;
  let written: boolean;
  try {
    written = await writeEntry(ctx, path, entry);
  } catch (e) {
    // Something is there (usually nothing is: trying first saves a stat per entry). Replace it and write again.
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    await removeTree(path);
    ctx.resolver.invalidate();
    ctx.xattrs.forget(path);
    for (const key of ctx.deferred.keys()) if (key === path || key.startsWith(`${path}/`)) ctx.deferred.delete(key);
    written = await writeEntry(ctx, path, entry);
  }
  if (written) {
    ctx.unpacked.add(path);
    ctx.entryAt.set(path, entry.name);
  }
}

/** After the last entry: xattrs in one batch, then directory modes and times (creating entries changed them). */
async function finish(ctx: ExtractContext): Promise<void> {
  const scratch = `${dirname(ctx.root)}/.${posix.basename(ctx.root)}`;
  try {
    for (const skip of await ctx.xattrs.flush(scratch)) {
      ctx.warn(ctx.entryAt.get(skip.path) ?? skip.path.slice(ctx.root.length + 1), `xattr ${skip.name === "" ? "" : `${JSON.stringify(skip.name)} `}skipped: ${skip.reason}`);
    }
  } catch (e) {
    throw new LayerEntryError(ctx.layer, "(extended attributes)", (e as Error).message, "INTERNAL", { cause: e });
  }
  const dirs: [string, DeferredDirectory][] = [...ctx.deferred].sort(([a], [b]) => b.length - a.length);
  for (const [path, dir] of dirs) {
    try {
      await chmod(path, dir.mode);
      await lutimes(path, dir.atime / 1000, dir.mtime / 1000);
    } catch (e) {
      throw asEntryError(ctx.layer, ctx.entryAt.get(path) ?? path.slice(ctx.root.length), e);
    }
  }
}

function asEntryError(layer: string, entry: string, e: unknown): unknown {
  if (e instanceof BerthError) return e;
  if (e instanceof TooManyLinksError) return new LayerEntryError(layer, entry, "too many symlinks to resolve its path (a loop?)", "INVALID_ARGUMENT", { cause: e });
  const err = e as NodeJS.ErrnoException;
  if (err?.name === "AbortError" || err?.code === "ABORT_ERR") return e;
  const code: ErrorCode = typeof err?.code === "string" && !LAYER_FAULTS.has(err.code) ? "INTERNAL" : "INVALID_ARGUMENT";
  const reason = describe(err);
  return new LayerEntryError(layer, entry, reason, code, {
    cause: e,
    hint: code === "INTERNAL" ? "the filesystem refused the write; check free space and permissions, then retry" : undefined,
  });
}

// Paths in Node's messages are host paths inside a temporary directory; say what failed without them.
function describe(err: NodeJS.ErrnoException): string {
  const what: Record<string, string> = {
    ENOTDIR: "a parent of it is not a directory",
    ENOENT: "what it refers to does not exist in this layer",
    EPERM: "operation not permitted (a hard link to a directory?)",
    EEXIST: "the path already exists",
    ELOOP: "too many symlinks",
    ENAMETOOLONG: "a name in its path is too long",
    EISDIR: "it is a directory",
    EXDEV: "a hard link across filesystems",
  };
  if (typeof err?.code === "string") return `${err.syscall ?? "write"}: ${what[err.code] ?? err.code} (${err.code})`;
  return err?.message ?? String(err);
}
