import { parseManifest, type Digest } from "../oci/index.js";
import type { RepositoryStore } from "./repository-store.js";

export interface FsckProblem {
  readonly kind: "corrupt-blob" | "missing-manifest" | "invalid-manifest" | "missing-blob" | "dangling-tag";
  readonly repository?: string;
  readonly digest?: Digest;
  readonly message: string;
}

export interface FsckResult {
  readonly blobsVerified: number;
  readonly bytesVerified: number;
  readonly problems: readonly FsckProblem[];
}

/**
 * Verify a registry root: every blob re-hashed against its digest, every
 * manifest present and valid, every blob it names present, every tag pointing
 * at a manifest the repository holds.
 */
export async function fsck(store: RepositoryStore, opts: { onProgress?: (verified: number) => void } = {}): Promise<FsckResult> {
  const problems: FsckProblem[] = [];
  let blobsVerified = 0;
  let bytesVerified = 0;
  const present = new Set<Digest>();
  for await (const blob of store.content.walk()) {
    const actual = await store.content.verify(blob.digest);
    if (actual !== blob.digest) {
      problems.push({ kind: "corrupt-blob", digest: blob.digest, message: `blob ${blob.digest}: content hashes to ${actual}` });
    } else {
      present.add(blob.digest);
    }
    blobsVerified++;
    bytesVerified += blob.size;
    opts.onProgress?.(blobsVerified);
  }
  for (const name of await store.catalog()) {
    for (const d of await store.listRevisions(name)) {
      if (!present.has(d)) {
        problems.push({ kind: "missing-manifest", repository: name, digest: d, message: `${name}@${d}: manifest bytes missing or corrupt` });
        continue;
      }
      const m = await store.getManifest(name, d);
      if (!m) continue;
      try {
        const p = parseManifest(m.bytes, m.mediaType);
        for (const ref of p.blobs) {
          if (ref.urls?.length) continue;
          if (!present.has(ref.digest)) {
            problems.push({ kind: "missing-blob", repository: name, digest: ref.digest, message: `${name}@${d} names blob ${ref.digest}, which is missing or corrupt` });
          }
        }
      } catch (e) {
        problems.push({ kind: "invalid-manifest", repository: name, digest: d, message: `${name}@${d}: ${(e as Error).message}` });
      }
    }
    for (const tag of (await store.listTags(name)) ?? []) {
      const d = await store.resolveTag(name, tag).catch(() => undefined);
      if (!d || (await store.revision(name, d)) === undefined) {
        problems.push({ kind: "dangling-tag", repository: name, message: `${name}:${tag} points at ${d ?? "an unreadable digest"}, which the repository does not hold` });
      }
    }
  }
  return { blobsVerified, bytesVerified, problems };
}
