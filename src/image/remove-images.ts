import { reachableFrom } from "../content/index.js";
import type { Digest } from "../oci/index.js";
import { removeImageRecords, type RemoveImageOptions } from "./image-names.js";
import type { ImageStore } from "./image-store.js";

/** What happened to one IMAGE of `berth rmi IMAGE…`. */
export type RemovedImage =
  | { readonly ref: string; readonly untagged: readonly string[] }
  | { readonly ref: string; readonly error: unknown };

/** A blob that went, and its size. */
export interface RemovedBlob {
  readonly digest: Digest;
  readonly size: number;
}

/** The outcome of {@link removeImages}. */
export interface RemoveImagesResult {
  /** One per ref, in the order given. */
  readonly images: readonly RemovedImage[];
  /** Blobs of the images whose names were removed that no other name or container keeps: docker's "Deleted:". */
  readonly deleted: readonly RemovedBlob[];
  /**
   * Other blobs nothing reached, removed on the way: garbage older than this
   * command (an interrupted pull's layers, what `berth copy` staged). Not the
   * images' own, so not reported as theirs.
   */
  readonly pruned: readonly RemovedBlob[];
  /** Bytes of `deleted` and `pruned`. */
  readonly bytesFreed: number;
  readonly snapshotsRemoved: readonly Digest[];
}

/**
 * `berth rmi IMAGE…`: remove each IMAGE as {@link removeImage} does (every
 * one is tried; a failure is recorded, not thrown), then prune. The blobs
 * removed are split into those of the removed images and other garbage, so
 * that the report does not pass the store's leftovers off as the image's.
 */
export async function removeImages(store: ImageStore, refs: readonly string[], opts: RemoveImageOptions = {}): Promise<RemoveImagesResult> {
  const images: RemovedImage[] = [];
  const targets: Digest[] = [];
  for (const ref of refs) {
    try {
      const removed = await removeImageRecords(store, ref, opts);
      targets.push(...removed.map((r) => r.target.digest));
      images.push({ ref, untagged: removed.map((r) => r.name) });
    } catch (error) {
      images.push({ ref, error });
    }
  }
  // Marked before the prune: once a manifest is gone, what it named cannot be read.
  const own = await reachableFrom(targets, (d) => store.childrenOf(d));
  const swept = await store.prune({ graceMs: 0, ...(opts.users && { users: opts.users }) });
  return {
    images,
    deleted: swept.removed.filter((b) => own.has(b.digest)),
    pruned: swept.removed.filter((b) => !own.has(b.digest)),
    bytesFreed: swept.bytesFreed,
    snapshotsRemoved: swept.snapshotsRemoved,
  };
}
