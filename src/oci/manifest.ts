import { parseMediaType, parseDescriptor, parseAnnotations, type Descriptor } from "./descriptor.js";
import { InvalidArgumentError } from "./errors.js";
import { describeValue, parseJsonObject } from "./internal/json-fields.js";
import { MediaType, isIndexMediaType, isSchema1MediaType } from "./media-types.js";

/** An OCI image manifest or a Docker schema2 manifest (same shape). Unknown fields are kept. */
export interface ImageManifest {
  readonly schemaVersion: 2;
  readonly mediaType?: string;
  readonly artifactType?: string;
  readonly config: Descriptor;
  /** Base layer first; [] when the document had none. */
  readonly layers: readonly Descriptor[];
  readonly subject?: Descriptor;
  readonly annotations?: Readonly<Record<string, string>>;
}

/** An OCI image index or a Docker manifest list (same shape). Unknown fields are kept. */
export interface ImageIndex {
  readonly schemaVersion: 2;
  readonly mediaType?: string;
  readonly artifactType?: string;
  readonly manifests: readonly Descriptor[];
  readonly subject?: Descriptor;
  readonly annotations?: Readonly<Record<string, string>>;
}

/** A manifest parsed from its exact bytes, with what a registry needs to know of it. */
export interface ParsedManifest {
  /** The media type it is stored and served under. */
  readonly mediaType: string;
  readonly isIndex: boolean;
  readonly manifest: ImageManifest | ImageIndex;
  /** Blobs (config, layers) an image manifest needs; empty for an index. */
  readonly blobs: readonly Descriptor[];
  /** Manifests an index names; empty for an image manifest. */
  readonly children: readonly Descriptor[];
  readonly subject?: Descriptor;
  /** artifactType, else (for an image manifest) the config media type, as the referrers API reports it. */
  readonly artifactType?: string;
  readonly annotations?: Readonly<Record<string, string>>;
}

const SCHEMA1_HINT = "schema 1 is deprecated and current registries refuse it; push with a current Docker, " +
  "or convert the image with `skopeo copy --format v2s2`";

/** Strip parameters (`; charset=…`) from a Content-Type. */
export const bareMediaType = (contentType: string | undefined): string | undefined =>
  contentType?.split(";")[0]?.trim().toLowerCase() || undefined;

/**
 * Parse manifest bytes as uploaded or fetched: an OCI image manifest or index
 * (image-spec v1.1, with or without `mediaType`, artifacts with artifactType
 * and subject included), a Docker schema2 manifest or manifest list. Schema 1
 * is refused with a hint. `contentType` is the media type the sender declared
 * (may be undefined); when the document carries its own `mediaType` the two
 * must agree (distribution-spec, "Pushing Manifests"). Only the specs' MUSTs are
 * enforced, so what real clients push passes; unknown fields and media types
 * are kept. Throws InvalidArgumentError naming the field that is wrong
 * (`manifest.layers[2].digest: …`).
 */
export function parseManifest(bytes: Uint8Array, contentType?: string): ParsedManifest {
  const declared = bareMediaType(contentType);
  if (isSchema1MediaType(declared)) {
    throw new InvalidArgumentError(`manifest: Docker schema 1 (${declared}) is not supported`, { hint: SCHEMA1_HINT });
  }
  const doc = parseJsonObject(bytes, "manifest");
  checkSchemaVersion(doc.schemaVersion);
  const mediaType = resolveMediaType(doc, declared);
  const isIndex = isIndexMediaType(mediaType) || (!isImageManifestType(mediaType) && Array.isArray(doc.manifests));

  const subject = doc.subject === undefined ? undefined : parseDescriptor(doc.subject, "manifest.subject");
  const annotations = doc.annotations === undefined ? undefined : parseAnnotations(doc.annotations, "manifest.annotations");
  const artifactTypeField = doc.artifactType === undefined ? undefined : parseMediaType(doc.artifactType, "manifest.artifactType");
  const common = { mediaType, isIndex, ...(subject && { subject }), ...(annotations && { annotations }) };

  if (isIndex) {
    const children = descriptorArray(doc.manifests, "manifests", true);
    const manifest = { ...doc, manifests: children } as unknown as ImageIndex;
    return { ...common, manifest, blobs: [], children, ...(artifactTypeField && { artifactType: artifactTypeField }) };
  }
  if (doc.config === undefined || doc.config === null) {
    throw new InvalidArgumentError("manifest.config: is required; an image manifest must have a config descriptor", {
      hint: `an artifact with no config uses the empty descriptor (mediaType ${MediaType.OciEmpty}, the 2 bytes "{}")`,
    });
  }
  const config = parseDescriptor(doc.config, "manifest.config");
  const layers = descriptorArray(doc.layers, "layers", false);
  const manifest = { ...doc, layers } as unknown as ImageManifest;
  // The referrers API reports config.mediaType when artifactType is unset; the empty config says nothing.
  const artifactType = artifactTypeField ?? (config.mediaType !== MediaType.OciEmpty ? config.mediaType : undefined);
  return { ...common, manifest, blobs: [config, ...layers], children: [], ...(artifactType && { artifactType }) };
}

function checkSchemaVersion(v: unknown): void {
  if (v === 1) throw new InvalidArgumentError("manifest.schemaVersion: Docker schema 1 is not supported", { hint: SCHEMA1_HINT });
  if (v !== 2) {
    throw new InvalidArgumentError(`manifest.schemaVersion: must be 2, got ${describeValue(v)}`, {
      hint: "OCI manifests and indexes and Docker schema2 manifests all have schemaVersion 2",
    });
  }
}

/** The document's own mediaType, else a specific Content-Type, else a guess from its shape. */
function resolveMediaType(doc: Record<string, unknown>, declared: string | undefined): string {
  const own = doc.mediaType === undefined ? undefined : parseMediaType(doc.mediaType, "manifest.mediaType");
  const specific = declared !== undefined && !isGenericType(declared) ? declared : undefined;
  if (own !== undefined && specific !== undefined && own !== specific) {
    throw new InvalidArgumentError(`manifest.mediaType: "${own}" does not match Content-Type "${declared}"`, {
      hint: "send the manifest with Content-Type set to its mediaType field",
    });
  }
  // Docker's schema2 requires the field (OCI only recommends it); Docker clients always write it.
  if (own === undefined && (specific === MediaType.DockerManifest || specific === MediaType.DockerManifestList)) {
    throw new InvalidArgumentError(`manifest.mediaType: is required in a Docker schema2 document, expected "${specific}"`);
  }
  return own ?? specific ?? guessMediaType(doc);
}

/**
 * `layers` or `manifests` as descriptors. Absent layers mean none (an artifact may
 * have none). `null` is taken as empty too: Go's image-spec types serialize a nil
 * slice so, and distribution (which decodes with Go) accepts it.
 */
function descriptorArray(v: unknown, key: "layers" | "manifests", required: boolean): Descriptor[] {
  if (v === null || (v === undefined && !required)) return [];
  if (!Array.isArray(v)) {
    const what = key === "manifests" ? "an index must list its manifests in an array" : "must be an array of descriptors";
    throw new InvalidArgumentError(`manifest.${key}: ${what}, got ${describeValue(v)}`);
  }
  // Kept as they are: index entries of unknown media types (image-index.md: ignore, not refuse,
  // them) and entries with no platform (optional in OCI, and meaningless for a nested index or an artifact).
  return v.map((d, i) => parseDescriptor(d, `manifest.${key}[${i}]`));
}

const isGenericType = (mt: string): boolean => mt === "application/json" || mt === "application/octet-stream" || mt === "*/*";

const isImageManifestType = (mt: string): boolean => mt === MediaType.OciManifest || mt === MediaType.DockerManifest;

/** A document with no mediaType and no Content-Type: tell by its shape, as containerd does. */
function guessMediaType(doc: Record<string, unknown>): string {
  if (Array.isArray(doc.manifests)) return MediaType.OciIndex;
  if (doc.config !== undefined) return MediaType.OciManifest;
  throw new InvalidArgumentError("manifest: has neither config nor manifests; cannot tell what it is", {
    hint: "set the mediaType field or the Content-Type header",
  });
}
