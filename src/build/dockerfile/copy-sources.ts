import type { Stats } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { downloadUrl, isUrl, parseChecksum, type DownloadedUrl, type UrlDownloadOptions } from "./add-url.js";
import { InvalidCopySourceError, NoSourceFilesError } from "./copy-errors.js";
import { hasWildcards, matchGlob } from "./copy-glob.js";
import { downloadDirPrefix } from "./stale-steps.js";
import { SourceTree, trimSource, type CopySourceRoot } from "./copy-source-tree.js";

/** A heredoc source (`COPY <<EOF /dest`): its name is the file's name, its content already expanded by the builder. */
export interface HeredocSource {
  readonly name: string;
  readonly content: string;
}

/** What COPY or ADD reads, before anything is written. */
export interface CopySourcesRequest {
  readonly kind: "COPY" | "ADD";
  /** The context (with its .dockerignore filter) or, for `COPY --from`, a stage's or image's files. */
  readonly source: CopySourceRoot;
  /** Sources as the Dockerfile gives them, variables already expanded: paths, wildcards, and for ADD http(s) URLs. */
  readonly sources: readonly string[];
  /** Heredoc sources, copied after `sources`. */
  readonly heredocs?: readonly HeredocSource[];
  /** `ADD --checksum=sha256:…`: the digest every URL source must have. */
  readonly checksum?: string;
  /** Proxy environment, timeouts and progress of URL downloads. */
  readonly download?: UrlDownloadOptions;
  /** Where downloads are kept until disposal; default the OS temp dir. */
  readonly tmpDir?: string;
  /** The time given to heredoc files (ms since the epoch); default now. */
  readonly heredocTimeMs?: number;
  readonly signal?: AbortSignal;
}

/** One thing to copy, in the order docker copies them. */
export type CopyItem =
  | {
    readonly kind: "path";
    /** The source as given, or the context path a wildcard matched: its last component names the copy in a directory. */
    readonly source: string;
    /** Where it is in the tree once symlinks are followed (relative, clean). */
    readonly rel: string;
    readonly stats: Stats;
  }
  | { readonly kind: "url"; readonly download: DownloadedUrl }
  | { readonly kind: "heredoc"; readonly name: string; readonly content: Buffer; readonly mtimeMs: number };

/**
 * The sources of one COPY/ADD, resolved once: wildcards matched, symlinks
 * followed inside the source root, URLs downloaded. Hash it for the build
 * cache (copy-hash.ts), copy it (copy-into-rootfs.ts), then dispose of it,
 * which deletes the downloads.
 */
export class ResolvedCopySources implements AsyncDisposable {
  constructor(
    readonly request: CopySourcesRequest,
    readonly tree: SourceTree,
    readonly items: readonly CopyItem[],
    private readonly downloadDir: string | undefined,
  ) {}

  async dispose(): Promise<void> {
    if (this.downloadDir !== undefined) await rm(this.downloadDir, { recursive: true, force: true });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.dispose();
  }
}

/**
 * Resolve the sources of a COPY or ADD as docker's builder does: a source
 * with a wildcard is matched (Go's filepath.Match) against every visible
 * path of the tree in walk order, each match being one source; any other
 * source is one path. Each is resolved inside the root (symlinks followed,
 * never out of it). ADD downloads URLs. Throws CopyOutsideContextError for
 * `..` above the root, CopySourceNotFoundError for a missing or excluded
 * path (also a wildcard match that is a dangling symlink, as docker),
 * NoSourceFilesError when nothing at all is left, InvalidCopySourceError for
 * a URL given to COPY or `--checksum` on a local source, AddDownloadError /
 * AddChecksumError for a download.
 */
export async function resolveCopySources(req: CopySourcesRequest): Promise<ResolvedCopySources> {
  const tree = await SourceTree.open(req.source);
  if (req.checksum !== undefined) {
    parseChecksum(req.checksum);
    const local = req.sources.find((s) => !isUrl(s));
    if (req.kind !== "ADD" || local !== undefined || (req.heredocs?.length ?? 0) > 0) {
      throw new InvalidCopySourceError(local ?? req.sources[0] ?? "", "--checksum applies to ADD of http(s) URLs only", "drop --checksum, or ADD the file by its URL");
    }
  }
  const items: CopyItem[] = [];
  let downloadDir: string | undefined;
  try {
    for (const source of req.sources) {
      req.signal?.throwIfAborted();
      if (isUrl(source)) {
        if (req.kind === "COPY") throw new InvalidCopySourceError(source, "COPY does not take URLs", "use ADD to download a file");
        // Named after this process: if the build is killed, the next one's sweep (removeStaleSteps) removes it.
        downloadDir ??= await mkdtemp(join(req.tmpDir ?? tmpdir(), downloadDirPrefix()));
        const file = join(downloadDir, `url-${items.length}`);
        const download = await downloadUrl(source, file, { ...req.download, ...(req.signal && { signal: req.signal }) }, req.checksum);
        items.push({ kind: "url", download });
      } else if (hasWildcards(source)) {
        for (const rel of matchingPaths(tree, trimSource(source))) items.push({ kind: "path", source: rel, ...(await tree.resolve(rel)) });
      } else {
        items.push({ kind: "path", source, ...(await tree.resolve(source)) });
      }
    }
    const mtimeMs = req.heredocTimeMs ?? Date.now();
    for (const h of req.heredocs ?? []) items.push({ kind: "heredoc", name: h.name, content: Buffer.from(h.content, "utf8"), mtimeMs });
    if (items.length === 0) throw new NoSourceFilesError(req.sources);
  } catch (e) {
    if (downloadDir !== undefined) await rm(downloadDir, { recursive: true, force: true });
    throw e;
  }
  return new ResolvedCopySources(req, tree, items, downloadDir);
}

/**
 * Visible paths of `tree` that `pattern` matches, in Go's filepath.Walk
 * order (parents first, names in byte order), as docker's copyWithWildcards
 * finds them. `*`, `?` and literal characters never match `/`, so without a
 * `[` class the walk stops at the pattern's depth.
 */
function matchingPaths(tree: SourceTree, pattern: string): string[] {
  const depth = pattern.includes("[") ? Infinity : pattern.split("/").length;
  const found: string[] = [];
  const visit = (dir: string, level: number): void => {
    for (const entry of tree.list(dir)) {
      if (matchGlob(pattern, entry.rel)) found.push(entry.rel);
      if (entry.stats.isDirectory() && level < depth) visit(entry.rel, level + 1);
    }
  };
  visit("", 1);
  return found;
}
