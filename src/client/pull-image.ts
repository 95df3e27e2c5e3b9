import type { BlobInfo, ContentStore } from "../content/index.js";
import { formatReference, hostPlatform, type Descriptor, type ImageIndex, type ImageManifest, type Platform, type Reference } from "../oci/index.js";
import { fetchImageTree } from "./image-tree.js";
import { createLimiter } from "./internal/limit.js";
import { runAll } from "./internal/run-all.js";
import { emitProgress } from "./progress.js";
import { clientFor, defaultConcurrency, type TransferOptions } from "./transfer-options.js";

/** Options for {@link pullImage}. */
export interface PullImageOptions extends TransferOptions {
  /** The platform to take from an index; default the machine's (hostPlatform). */
  readonly platform?: Platform;
  /** Take every manifest of an index instead of one. */
  readonly allPlatforms?: boolean;
  /**
   * Told which images will be pulled once their manifests are fetched, before
   * any blob: a caller can then start using layers as they arrive (unpack
   * while downloading) by watching blob-done progress events.
   */
  readonly onImages?: (images: readonly PulledImage[]) => void;
}

/** One image pulled: its manifest and the blobs now in the store. */
export interface PulledImage {
  readonly descriptor: Descriptor;
  readonly manifest: ImageManifest;
  readonly config: Descriptor;
  /** Base layer first. */
  readonly layers: readonly Descriptor[];
  /** The platform its index entry names; absent when the reference named the manifest itself. */
  readonly platform?: Platform;
}

/** What pullImage stored. */
export interface PullResult {
  readonly reference: Reference;
  /** What the reference resolved to: an image manifest or an index. */
  readonly descriptor: Descriptor;
  /** The index, when the reference named one. */
  readonly index?: ImageIndex;
  /** The images pulled: one, or with allPlatforms every image of the index. */
  readonly images: readonly PulledImage[];
}

/** The part of a content store a pull needs. */
export type PullStore = Pick<ContentStore, "info" | "writer" | "putBytes">;

/**
 * Pull `ref` into `store`: the manifest it names (by digest when it has one,
 * else by tag), verified; for an index the entry for `platform` (or all of
 * them), each verified against the index; then every config and layer,
 * `concurrency` at a time, streamed, verified and resumable (see fetchBlob).
 * Manifests and indexes are stored too. Names nothing: the caller records
 * the returned descriptors. On failure the other transfers are stopped and
 * the first error is thrown; blobs already committed stay, partial ones stay
 * as ingests to resume.
 */
export async function pullImage(ref: Reference, store: PullStore, opts: PullImageOptions = {}): Promise<PullResult> {
  const client = clientFor(ref.registry, opts);
  const signal = opts.signal;
  const top = await client.fetchManifest(ref.repository, ref.digest ?? ref.tag ?? "latest", { ...(signal && { signal }) });
  emitProgress(opts.onProgress, { type: "resolve", reference: formatReference(ref), descriptor: top.descriptor });
  const tree = await fetchImageTree(client, ref.repository, top, opts.allPlatforms ? { allPlatforms: true } : { platform: opts.platform ?? hostPlatform() }, signal);

  const pulled: PulledImage[] = tree.images.map((i) => ({
    descriptor: i.fetched.descriptor,
    manifest: i.manifest,
    config: i.manifest.config,
    layers: i.manifest.layers,
    ...(i.platform && { platform: i.platform }),
  }));
  opts.onImages?.(pulled);
  const blobs = new Map<string, Descriptor>();
  for (const image of tree.images) for (const d of image.fetched.parsed.blobs) blobs.set(d.digest, d);
  const limit = createLimiter(opts.concurrency ?? defaultConcurrency());
  await runAll([...blobs.values()], limit, signal, `pull ${formatReference(ref)}`, async (d, s): Promise<void> => {
    await client.fetchBlob(ref.repository, d, store, { signal: s, ...(opts.onProgress && { onProgress: opts.onProgress }) });
  });

  // Manifests after their blobs, children before their index: what is stored is complete.
  const put = (m: { bytes: Buffer; descriptor: Descriptor }): Promise<BlobInfo> => store.putBytes(m.bytes, { digest: m.descriptor.digest });
  for (const image of tree.images) {
    await put(image.fetched);
    emitProgress(opts.onProgress, { type: "manifest-done", descriptor: image.fetched.descriptor, ...(image.platform && { platform: image.platform }) });
  }
  for (const index of tree.indexes) await put(index);
  if (top.parsed.isIndex) {
    await put(top);
    emitProgress(opts.onProgress, { type: "manifest-done", descriptor: top.descriptor });
  }
  return {
    reference: ref,
    descriptor: top.descriptor,
    ...(top.parsed.isIndex && { index: top.parsed.manifest as ImageIndex }),
    images: pulled,
  };
}
