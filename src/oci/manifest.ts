import { parseDescriptor, parseAnnotations, type Descriptor } from "./descriptor.js";
import { InvalidArgumentError } from "./errors.js";
import { MediaType, MEDIA_TYPE_GRAMMAR, isIndexMediaType } from "./media-types.js";

/** An OCI image manifest or a Docker schema2 manifest (same shape). */
export interface ImageManifest {
  readonly schemaVersion: 2;
  readonly mediaType?: string;
  readonly artifactType?: string;
  readonly config: Descriptor;
  readonly layers: readonly Descriptor[];
  readonly subject?: Descriptor;
  readonly annotations?: Readonly<Record<string, string>>;
}

/** An OCI image index or a Docker manifest list (same shape). */
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

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Strip parameters (`; charset=…`) from a Content-Type. */
export const bareMediaType = (contentType: string | undefined): string | undefined =>
  contentType?.split(";")[0]?.trim().toLowerCase() || undefined;

/**
 * Parse manifest bytes as uploaded or fetched. `contentType` is the media type
 * the sender declared (may be undefined); when the document carries its own
 * `mediaType` the two must agree (distribution-spec, "Pushing Manifests").
 * Throws InvalidArgumentError naming the field that is wrong.
 */
export function parseManifest(bytes: Uint8Array, contentType?: string): ParsedManifest {
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(bytes).toString("utf8"));
  } catch (cause) {
    throw new InvalidArgumentError(`manifest: not valid JSON (${(cause as Error).message})`, { cause });
  }
  if (!isObject(doc)) throw new InvalidArgumentError("manifest: must be a JSON object");
  if (doc.schemaVersion !== 2) {
    throw new InvalidArgumentError(`manifest.schemaVersion: must be 2, got ${JSON.stringify(doc.schemaVersion)}`, {
      hint: "schema 1 manifests are not supported; push with a current client",
    });
  }
  const declared = bareMediaType(contentType);
  const own = doc.mediaType;
  if (own !== undefined && (typeof own !== "string" || !MEDIA_TYPE_GRAMMAR.test(own))) {
    throw new InvalidArgumentError(`manifest.mediaType: must be a media type, got ${JSON.stringify(own)}`);
  }
  if (typeof own === "string" && declared !== undefined && declared !== own && !isGenericType(declared)) {
    throw new InvalidArgumentError(`manifest.mediaType: "${own}" does not match Content-Type "${declared}"`);
  }
  const mediaType =
    (typeof own === "string" ? own : undefined) ??
    (declared !== undefined && !isGenericType(declared) ? declared : undefined) ??
    guessMediaType(doc);
  const isIndex = isIndexMediaType(mediaType) || (!isKnownManifestType(mediaType) && Array.isArray(doc.manifests));

  const subject = doc.subject === undefined ? undefined : parseDescriptor(doc.subject, "manifest.subject");
  const annotations = doc.annotations === undefined ? undefined : parseAnnotations(doc.annotations, "manifest.annotations");
  if (doc.artifactType !== undefined && (typeof doc.artifactType !== "string" || !MEDIA_TYPE_GRAMMAR.test(doc.artifactType))) {
    throw new InvalidArgumentError("manifest.artifactType: must be a media type");
  }
  const artifactTypeField = doc.artifactType as string | undefined;

  if (isIndex) {
    if (!Array.isArray(doc.manifests)) throw new InvalidArgumentError("manifest.manifests: an index must list its manifests in an array");
    const children = doc.manifests.map((m, i) => parseDescriptor(m, `manifest.manifests[${i}]`));
    return {
      mediaType, isIndex, manifest: doc as unknown as ImageIndex, blobs: [], children,
      ...(subject && { subject }), ...(artifactTypeField && { artifactType: artifactTypeField }), ...(annotations && { annotations }),
    };
  }
  if (doc.config === undefined) throw new InvalidArgumentError("manifest.config: an image manifest must have a config descriptor");
  const config = parseDescriptor(doc.config, "manifest.config");
  if (doc.layers !== undefined && !Array.isArray(doc.layers)) throw new InvalidArgumentError("manifest.layers: must be an array");
  const layers = ((doc.layers ?? []) as unknown[]).map((l, i) => parseDescriptor(l, `manifest.layers[${i}]`));
  const artifactType = artifactTypeField ?? (config.mediaType !== MediaType.OciEmpty ? config.mediaType : undefined);
  return {
    mediaType, isIndex, manifest: doc as unknown as ImageManifest, blobs: [config, ...layers], children: [],
    ...(subject && { subject }), ...(artifactType && { artifactType }), ...(annotations && { annotations }),
  };
}

const isGenericType = (mt: string): boolean => mt === "application/json" || mt === "application/octet-stream" || mt === "*/*";

const isKnownManifestType = (mt: string): boolean => mt === MediaType.OciManifest || mt === MediaType.DockerManifest;

/** A document with no mediaType and no Content-Type: tell by its shape, as containerd does. */
function guessMediaType(doc: Record<string, unknown>): string {
  if (Array.isArray(doc.manifests)) return MediaType.OciIndex;
  if (doc.config !== undefined) return MediaType.OciManifest;
  throw new InvalidArgumentError("manifest: has neither config nor manifests; cannot tell what it is", {
    hint: "set the mediaType field or the Content-Type header",
  });
}
