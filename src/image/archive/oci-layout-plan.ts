import { MediaType, type Descriptor } from "../../oci/index.js";
import type { BlobProvider } from "../../content/index.js";
import type { ArchiveFile } from "./archive-file.js";
import { MissingBlobError, StoredContentError } from "./errors.js";
import { walkImageGraph, type GraphSource } from "./image-graph.js";
import type { ImageToExport } from "./imported-image.js";
import { blobPath } from "./oci-layout-import.js";
import { REF_NAME, nameAnnotations, withoutNames } from "./ref-names.js";

/** The files of an OCI image layout, blobs first, the two small files that make it a layout last. */
export interface OciLayoutPlan {
  readonly blobs: readonly ArchiveFile[];
  readonly indexJson: ArchiveFile;
  readonly ociLayout: ArchiveFile;
}

/**
 * Plan an OCI image layout (image-layout.md) holding `images`:
 *
 * ```
 * oci-layout                {"imageLayoutVersion":"1.0.0"}
 * index.json                one entry per name: the manifest's descriptor + ref.name (see nameAnnotations)
 * blobs/<alg>/<encoded>     every blob the images reach, as stored: indexes with all their
 *                           children, manifests, configs, layers (compressed as they are)
 * ```
 *
 * `existing` (the descriptors of an index.json already there) is kept except
 * entries whose ref.name a new entry takes. Every blob is checked to be
 * stored with its descriptor's size; throws MissingBlobError or
 * StoredContentError otherwise.
 */
export async function planOciLayout(store: BlobProvider, images: readonly ImageToExport[], existing: readonly Descriptor[] = []): Promise<OciLayoutPlan> {
  const source: GraphSource = {
    fetch: async (d) => (await store.info(d.digest))?.size,
    read: (d) => store.readBytes(d.digest),
  };
  const blobs = await walkImageGraph(images.map((im, i) => ({ desc: im.manifest, from: `image ${i}` })), source, {
    missing: (d, from) => new MissingBlobError(d.digest, from),
    invalid: (d, reason, cause) => new StoredContentError(d.digest, reason, { cause }),
  });
  const added = images.flatMap(indexEntries);
  const taken = new Set(added.map((d) => d.annotations?.[REF_NAME]).filter((n) => n !== undefined));
  const kept = existing.filter((d) => d.annotations?.[REF_NAME] === undefined || !taken.has(d.annotations[REF_NAME]));
  const index = { schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: dedupe([...kept, ...added]) };
  return {
    blobs: blobs.map((d) => ({ path: blobPath(d), size: d.size, content: () => store.readStream(d.digest) })),
    indexJson: jsonFile("index.json", index),
    ociLayout: jsonFile("oci-layout", { imageLayoutVersion: "1.0.0" }),
  };
}

function indexEntries(image: ImageToExport): Descriptor[] {
  const bare = withoutNames(image.manifest);
  if (image.names.length === 0) return [bare];
  return image.names.map((name) => ({ ...bare, annotations: { ...bare.annotations, ...nameAnnotations(name) } }));
}

/** Drop entries equal to an earlier one (same digest, same annotations). */
function dedupe(entries: readonly Descriptor[]): Descriptor[] {
  const seen = new Set<string>();
  return entries.filter((d) => {
    const key = `${d.digest} ${JSON.stringify(d.annotations ?? {})}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function jsonFile(path: string, value: unknown): ArchiveFile {
  const bytes = Buffer.from(JSON.stringify(value));
  return { path, size: bytes.length, content: bytes };
}
