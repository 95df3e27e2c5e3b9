import type { Digest } from "../oci/index.js";
import type { ContentStore } from "./content-store.js";

export interface CollectGarbageOptions {
  /** Blobs that are kept, with everything they reach. */
  readonly roots: Iterable<Digest>;
  /** The blobs a blob refers to (a manifest's config and layers, an index's manifests); [] for a leaf. */
  readonly children: (digest: Digest) => Promise<Iterable<Digest>>;
  /** Report what would be removed, remove nothing. */
  readonly dryRun?: boolean;
  /**
   * Keep blobs committed less than this long ago: another process may have
   * written them and not yet recorded the name that reaches them (a pull in
   * progress). Default 0.
   */
  readonly graceMs?: number;
  /**
   * Consider only blobs committed at or after this time (ms since the epoch):
   * what one failed operation stored, leaving older garbage to prune. Default: all.
   */
  readonly committedSince?: number;
}

export interface CollectGarbageResult {
  readonly removed: readonly { readonly digest: Digest; readonly size: number }[];
  readonly bytesFreed: number;
  readonly kept: number;
}

/**
 * Mark every blob reachable from `roots` through `children`, then remove
 * every other committed blob. The store's owner decides what the roots are
 * (the registry: every manifest of every repository; the image store: every
 * named image). Nothing may be committed while this runs, or a blob written
 * between mark and sweep could be removed.
 */
export async function collectGarbage(store: ContentStore, opts: CollectGarbageOptions): Promise<CollectGarbageResult> {
  const marked = await reachableFrom(opts.roots, opts.children);
  const oldest = opts.committedSince ?? -Infinity;
  const removed: { digest: Digest; size: number }[] = [];
  let bytesFreed = 0;
  let kept = 0;
  const youngest = Date.now() - (opts.graceMs ?? 0);
  for await (const blob of store.walk()) {
    const committed = blob.modified.getTime();
    if (marked.has(blob.digest) || committed > youngest || committed < oldest) {
      kept++;
      continue;
    }
    removed.push({ digest: blob.digest, size: blob.size });
    bytesFreed += blob.size;
    if (!opts.dryRun) await store.delete(blob.digest);
  }
  return { removed, bytesFreed, kept };
}

/** `roots` and every digest they reach through `children` (the mark phase of collectGarbage). */
export async function reachableFrom(roots: Iterable<Digest>, children: (digest: Digest) => Promise<Iterable<Digest>>): Promise<Set<Digest>> {
  const marked = new Set<Digest>();
  const todo = [...roots];
  while (todo.length > 0) {
    const d = todo.pop()!;
    if (marked.has(d)) continue;
    marked.add(d);
    for (const c of await children(d)) if (!marked.has(c)) todo.push(c);
  }
  return marked;
}
