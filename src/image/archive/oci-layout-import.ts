import { MediaType, isIndexMediaType, parseManifest, type Descriptor, type ImageIndex } from "../../oci/index.js";
import { ArchiveEntryError, MissingEntryError } from "./errors.js";
import { walkImageGraph, type GraphErrors, type GraphSource } from "./image-graph.js";
import type { ImportedImage } from "./imported-image.js";
import { CONTAINERD_NAME, REF_NAME, nameOf, withoutNames } from "./ref-names.js";

/** Options for {@link importOciLayout}. */
export interface OciLayoutImportOptions {
  /** Import only the entries of index.json with this name (ref.name or io.containerd.image.name); default all. */
  readonly ref?: string;
}

/**
 * Check an `oci-layout` file (image-layout.md): a JSON object whose
 * imageLayoutVersion is 1.x. Throws ArchiveEntryError otherwise.
 */
export function checkOciLayoutFile(bytes: Uint8Array, entry = "oci-layout"): void {
  let version: unknown;
  try {
    version = (JSON.parse(Buffer.from(bytes).toString("utf8")) as { imageLayoutVersion?: unknown }).imageLayoutVersion;
  } catch (e) {
    throw new ArchiveEntryError(entry, `is not JSON: ${(e as Error).message}`, { cause: e });
  }
  if (typeof version !== "string" || !/^1\.\d+\.\d+$/.test(version)) {
    throw new ArchiveEntryError(entry, `imageLayoutVersion must be "1.0.0" (or another 1.x), got ${JSON.stringify(version) ?? "nothing"}`);
  }
}

/**
 * The images an OCI layout's index.json names, after walking and checking
 * everything they reach through `source` (which makes each blob available in
 * the content store). Entries naming the same digest become one image with
 * several names, in index.json order. Throws ArchiveEntryError for an
 * index.json or blob that does not parse, MissingEntryError for a blob that is
 * not there, and NOT_FOUND (MissingEntryError) when `ref` names no entry.
 */
export async function importOciLayout(indexJson: Uint8Array, source: GraphSource, opts: OciLayoutImportOptions = {}): Promise<ImportedImage[]> {
  const all = parseIndexJson(indexJson);
  const picked = all.map((desc, i) => ({ desc, i })).filter(({ desc }) => opts.ref === undefined || matchesRef(desc, opts.ref));
  if (opts.ref !== undefined && picked.length === 0) {
    const known = all.map(nameOf).filter((n) => n !== undefined);
    throw new MissingEntryError(opts.ref, "the reference", {
      hint: known.length === 0 ? "index.json names no image" : `index.json names: ${known.join(", ")}`,
    });
  }
  picked.forEach(({ desc, i }) => {
    if (!isIndexMediaType(desc.mediaType) && desc.mediaType !== MediaType.OciManifest && desc.mediaType !== MediaType.DockerManifest) {
      throw new ArchiveEntryError("index.json", `manifests[${i}] has media type ${desc.mediaType}, which is not an image manifest or index`);
    }
  });
  await walkImageGraph(picked.map(({ desc, i }) => ({ desc, from: `index.json manifests[${i}]` })), source, layoutErrors);
  const byDigest = new Map<string, { names: string[]; manifest: Descriptor }>();
  for (const { desc } of picked) {
    const image = byDigest.get(desc.digest) ?? { names: [], manifest: withoutNames(desc) };
    byDigest.set(desc.digest, image);
    const name = nameOf(desc);
    if (name !== undefined && !image.names.includes(name)) image.names.push(name);
  }
  return [...byDigest.values()];
}

/** How a blob is named inside a layout. */
export const blobPath = (d: Descriptor): string => `blobs/${d.digest.replace(":", "/")}`;

/** Errors of a walk over a layout, naming the blob's path in it. */
export const layoutErrors: GraphErrors = {
  missing: (d, from) => new MissingEntryError(blobPath(d), from),
  invalid: (d, reason, cause) => new ArchiveEntryError(blobPath(d), reason, { cause }),
};

function parseIndexJson(bytes: Uint8Array): readonly Descriptor[] {
  try {
    const parsed = parseManifest(bytes);
    if (!parsed.isIndex) throw new Error("it is an image manifest, not an index");
    return (parsed.manifest as ImageIndex).manifests;
  } catch (e) {
    throw new ArchiveEntryError("index.json", `is not an OCI image index: ${(e as Error).message}`, { cause: e });
  }
}

const matchesRef = (desc: Descriptor, ref: string): boolean =>
  desc.annotations?.[REF_NAME] === ref || desc.annotations?.[CONTAINERD_NAME] === ref;
