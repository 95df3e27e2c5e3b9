import type { BlobProvider } from "../content/index.js";
import {
  BerthError, InvalidArgumentError, MediaType, formatReference, isBerthError, parseManifest, type Descriptor, type Digest, type ParsedManifest, type Reference,
} from "../oci/index.js";
import type { BlobSource } from "./blob-pusher.js";
import { MissingIndexEntryError } from "./errors.js";
import { createLimiter } from "./internal/limit.js";
import { runAll } from "./internal/run-all.js";
import { emitProgress } from "./progress.js";
import type { RegistryClient } from "./registry-client.js";
import { clientFor, defaultConcurrency, type TransferOptions } from "./transfer-options.js";

/** Options for {@link pushImage}. */
export interface PushImageOptions extends TransferOptions {
  /** Repositories of the target registry to mount blobs from before uploading them. */
  readonly mountFrom?: readonly string[];
}

/** What pushImage made the reference name. */
export interface PushResult {
  readonly reference: Reference;
  readonly descriptor: Descriptor;
}

/** The part of a content store a push reads. */
export type PushStore = Pick<BlobProvider, "info" | "readBytes"> & BlobSource;

interface LocalManifest {
  readonly digest: Digest;
  readonly bytes: Buffer;
  readonly parsed: ParsedManifest;
}

const MAX_DEPTH = 3;

/**
 * Push the manifest `manifestDigest` of `store`, and everything it names, to
 * `ref` (tagged with ref.tag, else by digest; a digest in `ref` must be
 * `manifestDigest`). Blobs first, `concurrency` at a time, each skipped when
 * the registry has it, else mounted from `mountFrom`, else uploaded; foreign
 * (non-distributable) layers are skipped, as docker does. Then the image
 * manifests by digest, nested indexes, and last the named manifest, so the
 * registry never holds a manifest whose parts are missing. An index entry
 * absent from the store is accepted when the registry already has it, else
 * MissingIndexEntryError (NOT_FOUND) names it before anything is uploaded.
 */
export async function pushImage(store: PushStore, manifestDigest: Digest, ref: Reference, opts: PushImageOptions = {}): Promise<PushResult> {
  if (ref.digest !== undefined && ref.digest !== manifestDigest) {
    throw new InvalidArgumentError(`push to ${formatReference(ref)}: the reference's digest is not that of the manifest pushed (${manifestDigest})`, {
      hint: "push to a tag, or to the manifest's own digest",
    });
  }
  const client = clientFor(ref.registry, opts);
  const signal = opts.signal;
  const top = await readLocal(store, manifestDigest);
  const images: LocalManifest[] = [];
  const indexes: LocalManifest[] = [];
  await collect(store, client, ref.repository, top, images, indexes, 1, signal);

  const blobs = new Map<string, Descriptor>();
  for (const m of images) for (const d of m.parsed.blobs) blobs.set(d.digest, d);
  const limit = createLimiter(opts.concurrency ?? defaultConcurrency());
  await runAll([...blobs.values()], limit, signal, `push ${formatReference(ref)}`, async (d, s): Promise<void> => {
    if (isNonDistributable(d.mediaType)) {
      emitProgress(opts.onProgress, { type: "blob-skipped", digest: d.digest, size: d.size, reason: "foreign layer: the registry fetches it from its own URLs" });
      return;
    }
    await client.pushBlob(ref.repository, d, store, {
      signal: s, ...(opts.mountFrom && { mountFrom: opts.mountFrom }), ...(opts.onProgress && { onProgress: opts.onProgress }),
    });
  });

  const put = async (m: LocalManifest, reference: string): Promise<Descriptor> => {
    const d = await client.pushManifest(ref.repository, reference, m.bytes, m.parsed.mediaType, { ...(signal && { signal }) });
    emitProgress(opts.onProgress, { type: "manifest-done", descriptor: d });
    return d;
  };
  await runAll(images.filter((m) => m !== top), limit, signal, `push ${formatReference(ref)}`, async (m) => {
    await put(m, m.digest);
  });
  for (const m of indexes) await put(m, m.digest);
  const descriptor = await put(top, ref.tag ?? manifestDigest);
  return { reference: ref, descriptor: { ...descriptor, digest: manifestDigest } };
}

/** Gather the manifests below `m` from the store: images, and nested indexes after their entries. */
async function collect(
  store: PushStore, client: RegistryClient, repository: string, m: LocalManifest,
  images: LocalManifest[], indexes: LocalManifest[], depth: number, signal?: AbortSignal,
): Promise<void> {
  if (!m.parsed.isIndex) {
    images.push(m);
    return;
  }
  for (const child of m.parsed.children) {
    if ((await store.info(child.digest)) === undefined) {
      await requireRemote(client, repository, m.digest, child, signal);
      continue;
    }
    const c = await readLocal(store, child.digest);
    if (c.parsed.isIndex) {
      if (depth >= MAX_DEPTH) throw new BerthError("INVALID_ARGUMENT", `index ${m.digest}: indexes nested more than ${MAX_DEPTH} deep`);
      await collect(store, client, repository, c, images, indexes, depth + 1, signal);
      indexes.push(c);
    } else images.push(c);
  }
}

async function requireRemote(client: RegistryClient, repository: string, index: Digest, child: Descriptor, signal?: AbortSignal): Promise<void> {
  try {
    await client.resolve(repository, child.digest, { ...(signal && { signal }) });
  } catch (e) {
    if (!isBerthError(e, "NOT_FOUND")) throw e;
    throw new MissingIndexEntryError(index, child, `${client.host}/${repository}`, e);
  }
}

async function readLocal(store: PushStore, digest: Digest): Promise<LocalManifest> {
  const bytes = await store.readBytes(digest);
  try {
    return { digest, bytes, parsed: parseManifest(bytes) };
  } catch (e) {
    if (!isBerthError(e, "INVALID_ARGUMENT")) throw e;
    throw new InvalidArgumentError(`stored manifest ${digest}: ${e.message}`, { cause: e, ...(e.hint !== undefined && { hint: e.hint }) });
  }
}

/** Layers docker keeps out of registries (foreign, non-distributable); their manifests point elsewhere. */
export const isNonDistributable = (mediaType: string): boolean =>
  mediaType === MediaType.DockerForeignLayerGzip || mediaType.startsWith("application/vnd.oci.image.layer.nondistributable.");
