import { parseDigest, type Digest } from "./digest.js";
import { InvalidArgumentError } from "./errors.js";
import { MEDIA_TYPE_GRAMMAR } from "./media-types.js";
import type { Platform } from "./platform.js";

/** A content descriptor (image-spec descriptor.md): what, how big, which digest. */
export interface Descriptor {
  readonly mediaType: string;
  readonly digest: Digest;
  readonly size: number;
  readonly urls?: readonly string[];
  readonly annotations?: Readonly<Record<string, string>>;
  readonly data?: string;
  readonly artifactType?: string;
  readonly platform?: Platform;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Validate a descriptor found at `field` of a parsed JSON document. Throws
 * InvalidArgumentError naming the field; returns the value typed.
 */
export function parseDescriptor(v: unknown, field: string): Descriptor {
  if (!isObject(v)) throw new InvalidArgumentError(`${field}: must be an object`);
  const { mediaType, digest, size, annotations, urls, artifactType } = v;
  if (typeof mediaType !== "string" || !MEDIA_TYPE_GRAMMAR.test(mediaType)) {
    throw new InvalidArgumentError(`${field}.mediaType: must be a media type, got ${JSON.stringify(mediaType)}`);
  }
  if (typeof digest !== "string") throw new InvalidArgumentError(`${field}.digest: must be a string`);
  parseDigest(digest, `${field}.digest`);
  if (typeof size !== "number" || !Number.isSafeInteger(size) || size < 0) {
    throw new InvalidArgumentError(`${field}.size: must be a non-negative integer, got ${JSON.stringify(size)}`);
  }
  if (annotations !== undefined) parseAnnotations(annotations, `${field}.annotations`);
  if (urls !== undefined && (!Array.isArray(urls) || urls.some((u) => typeof u !== "string"))) {
    throw new InvalidArgumentError(`${field}.urls: must be an array of strings`);
  }
  if (artifactType !== undefined && (typeof artifactType !== "string" || !MEDIA_TYPE_GRAMMAR.test(artifactType))) {
    throw new InvalidArgumentError(`${field}.artifactType: must be a media type`);
  }
  return v as unknown as Descriptor;
}

export function parseAnnotations(v: unknown, field: string): Readonly<Record<string, string>> {
  if (!isObject(v) || Object.values(v).some((x) => typeof x !== "string")) {
    throw new InvalidArgumentError(`${field}: must be a map of strings to strings`);
  }
  return v as Record<string, string>;
}
