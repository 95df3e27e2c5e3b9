import { InvalidArgumentError, formatReference, type Descriptor, type Platform, type Reference } from "../oci/index.js";
import type { BlobSource } from "./blob-pusher.js";
import { fetchImageTree } from "./image-tree.js";
import { createLimiter } from "./internal/limit.js";
import { runAll } from "./internal/run-all.js";
import type { FetchedManifest } from "./manifest-fetcher.js";
import { emitProgress } from "./progress.js";
import { isNonDistributable, type PushResult } from "./push-image.js";
import type { RegistryClient } from "./registry-client.js";
import { clientFor, DEFAULT_COPY_CONCURRENCY, type TransferOptions } from "./transfer-options.js";

/** Options for {@link copyImage}. */
export interface CopyImageOptions extends TransferOptions {
  /** Copy only this platform's manifest out of an index (the destination then names that manifest, not the index). */
  readonly platform?: Platform;
}

/**
 * Copy `src` to `dest`, registry to registry, with no local store: the whole
 * index with every platform (or, with `platform`, that one manifest), each
 * manifest verified on the way. Blobs the destination has are skipped; on
 * the same registry they are mounted from the source repository; else each
 * is streamed from a GET on the source into an upload on the destination,
 * hashed on the way (a mismatch cancels the upload: DigestMismatchError).
 * Manifests go after their blobs, entries before their index, and the
 * reference's own manifest last (tagged with dest.tag, else by digest).
 */
export async function copyImage(src: Reference, dest: Reference, opts: CopyImageOptions = {}): Promise<PushResult> {
  const from = clientFor(src.registry, opts);
  const to = src.registry === dest.registry ? from : clientFor(dest.registry, opts);
  const signal = opts.signal;
  const what = `copy ${formatReference(src)} to ${formatReference(dest)}`;
  // Both registries' GET /v2/ go out beside the manifest's GET: the first blobs' pooled read and
  // streamed upload would each wait for one otherwise.
  from.prepareStreams({ ...(signal && { signal }) });
  if (to !== from) to.prepareStreams({ ...(signal && { signal }) });
  const fetched = await from.fetchManifest(src.repository, src.digest ?? src.tag ?? "latest", { ...(signal && { signal }) });
  emitProgress(opts.onProgress, { type: "resolve", reference: formatReference(src), descriptor: fetched.descriptor });
  const tree = await fetchImageTree(from, src.repository, fetched, opts.platform ? { platform: opts.platform } : { allPlatforms: true }, signal);
  // With a platform chosen, the destination gets that image's manifest, not the index.
  const top = opts.platform && fetched.parsed.isIndex ? tree.images[0]!.fetched : fetched;
  if (dest.digest !== undefined && dest.digest !== top.descriptor.digest) {
    throw new InvalidArgumentError(`${what}: the destination's digest is not that of the manifest copied (${top.descriptor.digest})`, {
      hint: "copy to a tag, or to the source manifest's digest",
    });
  }

  const blobs = new Map<string, Descriptor>();
  for (const image of tree.images) for (const d of image.fetched.parsed.blobs) blobs.set(d.digest, d);
  const source = registrySource(from, src.repository);
  const mountFrom = src.registry === dest.registry && src.repository !== dest.repository ? [src.repository] : [];
  const limit = createLimiter(opts.concurrency ?? DEFAULT_COPY_CONCURRENCY);
  // Largest first: the copy ends with its last blob, and a big one started last would run alone.
  const queue = [...blobs.values()].sort((a, b) => b.size - a.size);
  await runAll(queue, limit, signal, what, async (d, s): Promise<void> => {
    if (isNonDistributable(d.mediaType)) {
      emitProgress(opts.onProgress, { type: "blob-skipped", digest: d.digest, size: d.size, reason: "foreign layer: the registry fetches it from its own URLs" });
      return;
    }
    await to.pushBlob(dest.repository, d, source, { signal: s, verify: true, mountFrom, ...(opts.onProgress && { onProgress: opts.onProgress }) });
  });

  const put = async (m: FetchedManifest, reference: string): Promise<Descriptor> => {
    const d = await to.pushManifest(dest.repository, reference, m.bytes, m.parsed.mediaType, { ...(signal && { signal }) });
    emitProgress(opts.onProgress, { type: "manifest-done", descriptor: d });
    return d;
  };
  for (const image of tree.images) if (image.fetched !== top) await put(image.fetched, image.fetched.descriptor.digest);
  if (top === fetched) for (const index of tree.indexes) await put(index, index.descriptor.digest);
  const descriptor = await put(top, dest.tag ?? top.descriptor.digest);
  return { reference: dest, descriptor: { ...descriptor, digest: top.descriptor.digest } };
}

/**
 * A source registry's blobs as a BlobSource: each read is a GET (with Range for a part); a large
 * blob from a registry spoken to in plain HTTP is read into pooled buffers (RegistryClient.openBlobPooled).
 */
function registrySource(client: RegistryClient, repository: string): BlobSource {
  return {
    readStream: (digest, range, signal) => client.openBlob(repository, digest, { ...(range && { range }), ...(signal && { signal }) }),
    openPooled: (digest, signal) => client.openBlobPooled(repository, digest, { ...(signal && { signal }) }),
  };
}
