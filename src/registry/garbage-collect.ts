import { collectGarbage } from "../content/index.js";
import { BerthError, parseManifest, type Digest } from "../oci/index.js";
import type { RepositoryStore } from "./repository-store.js";

export interface GarbageCollectOptions {
  /** Report what would be removed, remove nothing. */
  readonly dryRun?: boolean;
  /** Also remove manifests no tag reaches (directly, through an index, or as a referrer of one that is kept). */
  readonly deleteUntagged?: boolean;
  /** Uploads untouched this long are removed; default one day. */
  readonly uploadMaxAgeMs?: number;
  readonly now?: () => number;
}

export interface GarbageCollectResult {
  readonly manifestsRemoved: readonly { readonly repository: string; readonly digest: Digest }[];
  readonly blobsRemoved: readonly Digest[];
  readonly bytesFreed: number;
  readonly uploadsRemoved: number;
  readonly blobsKept: number;
}

/**
 * Mark and sweep, as distribution's garbage collector: the roots are every
 * manifest of every repository; every blob they reach is kept, all others are
 * removed from the content store. Run it while no server writes to the root (a push between mark and
 * sweep could lose a blob, as with distribution).
 */
export async function garbageCollect(store: RepositoryStore, opts: GarbageCollectOptions = {}): Promise<GarbageCollectResult> {
  const roots: Digest[] = [];
  const manifestIn = new Map<Digest, string>();
  const manifestsRemoved: { repository: string; digest: Digest }[] = [];
  for (const name of await store.catalog()) {
    let revisions = await store.listRevisions(name);
    if (opts.deleteUntagged) {
      const keep = await reachableFromTags(store, name, revisions);
      for (const d of revisions.filter((r) => !keep.has(r))) {
        manifestsRemoved.push({ repository: name, digest: d });
        if (!opts.dryRun) await store.deleteManifest(name, d);
      }
      revisions = revisions.filter((r) => keep.has(r));
    }
    for (const d of revisions) {
      roots.push(d);
      manifestIn.set(d, name);
    }
  }
  const swept = await collectGarbage(store.content, {
    roots,
    // Only manifests have children; a digest that is no repository's manifest is a leaf.
    children: async (d) => {
      const name = manifestIn.get(d);
      return name === undefined ? [] : referencesOf(store, name, d);
    },
    dryRun: opts.dryRun === true,
  });
  const blobsRemoved = swept.removed.map((b) => b.digest);
  if (!opts.dryRun && blobsRemoved.length > 0) {
    const gone = new Set(blobsRemoved);
    for (const name of await store.catalog()) {
      for (const d of await store.listBlobLinks(name)) if (gone.has(d)) await store.unlinkBlob(name, d);
    }
  }
  const uploadsRemoved = await removeStaleUploads(store, opts);
  if (!opts.dryRun) store.invalidate();
  return { manifestsRemoved, blobsRemoved, bytesFreed: swept.bytesFreed, uploadsRemoved, blobsKept: swept.kept };
}

/**
 * Digests a manifest names: config and layers, or the manifests of an index.
 * A kept manifest that cannot be read or parsed stops the collection: sweeping
 * without knowing what it names could delete the blobs of a tagged image.
 */
async function referencesOf(store: RepositoryStore, name: string, digest: Digest): Promise<Digest[]> {
  const m = await store.getManifest(name, digest);
  if (!m) {
    throw new BerthError("FAILED_PRECONDITION", `gc: manifest ${name}@${digest} is listed but its bytes are missing`, {
      hint: "run `berth registry fsck`, then remove or re-push that manifest before collecting",
    });
  }
  try {
    const p = parseManifest(m.bytes, m.mediaType);
    return [...p.blobs, ...p.children].map((d) => d.digest);
  } catch (cause) {
    throw new BerthError("FAILED_PRECONDITION", `gc: manifest ${name}@${digest} does not parse (${(cause as Error).message})`, {
      cause,
      hint: "run `berth registry fsck`, then remove or re-push that manifest before collecting",
    });
  }
}

async function reachableFromTags(store: RepositoryStore, name: string, revisions: readonly Digest[]): Promise<Set<Digest>> {
  const keep = new Set<Digest>();
  const todo: Digest[] = [];
  for (const tag of (await store.listTags(name)) ?? []) {
    const d = await store.resolveTag(name, tag);
    if (d) todo.push(d);
  }
  const visit = async (): Promise<void> => {
    while (todo.length > 0) {
      const d = todo.pop()!;
      if (keep.has(d)) continue;
      keep.add(d);
      const m = await store.getManifest(name, d);
      if (!m) continue;
      try {
        for (const c of parseManifest(m.bytes, m.mediaType).children) todo.push(c.digest);
      } catch {
        // unparseable: keep it, fsck will say
      }
    }
  };
  await visit();
  // Referrers of kept manifests are kept (signatures, SBOMs), and what they reach.
  for (let grew = true; grew; ) {
    grew = false;
    for (const d of [...keep]) {
      for (const r of await store.referrers(name, d)) {
        if (!keep.has(r.digest) && revisions.includes(r.digest)) {
          todo.push(r.digest);
          grew = true;
        }
      }
    }
    await visit();
  }
  return keep;
}

async function removeStaleUploads(store: RepositoryStore, opts: GarbageCollectOptions): Promise<number> {
  const now = (opts.now ?? Date.now)();
  const maxAge = opts.uploadMaxAgeMs ?? 24 * 3600_000;
  let n = 0;
  for (const ingest of await store.content.listIngests()) {
    if (now - ingest.modified.getTime() < maxAge) continue;
    n++;
    if (!opts.dryRun) await store.content.abortIngest(ingest.ref);
  }
  if (!opts.dryRun) n += await store.content.removeStaleTemporaries();
  return n;
}
