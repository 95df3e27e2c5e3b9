import { digestAlgorithm, digestOf, parseDigest, type Digest } from "./digest.js";
import { InvalidArgumentError } from "./errors.js";
import {
  checkObject, checkString, checkStringArray, checkStringMap, describeValue, isBase64,
} from "./internal/json-fields.js";
import { MEDIA_TYPE_GRAMMAR } from "./media-types.js";
import type { Platform } from "./platform.js";

/**
 * A content descriptor (image-spec descriptor.md): what, how big, which digest.
 * Fields this type does not name (extensions) are kept as they came.
 */
export interface Descriptor {
  readonly mediaType: string;
  readonly digest: Digest;
  readonly size: number;
  readonly urls?: readonly string[];
  readonly annotations?: Readonly<Record<string, string>>;
  /** The content itself, base64; checked against size and digest when parsed. */
  readonly data?: string;
  readonly artifactType?: string;
  readonly platform?: Platform;
}

// An absolute URI (RFC 3986 section 3: scheme ":" …), with no whitespace or control characters.
const URI = /^[A-Za-z][A-Za-z0-9+.-]*:[^\s\p{Cc}]*$/u;

/** A media type field (RFC 6838); `field` names it in the error. */
export function parseMediaType(v: unknown, field: string): string {
  if (typeof v !== "string" || !MEDIA_TYPE_GRAMMAR.test(v)) {
    throw new InvalidArgumentError(`${field}: must be a media type (type/subtype, RFC 6838), got ${describeValue(v)}`);
  }
  return v;
}

/**
 * Validate a descriptor found at `field` of a parsed JSON document, by the
 * image-spec's MUSTs: mediaType by RFC 6838, a digest berth can verify, size a
 * non-negative integer, urls absolute URIs, annotations strings, platform with
 * os and architecture, and `data` (when present) base64 of exactly `size` bytes
 * whose digest is `digest`. Throws InvalidArgumentError naming the field
 * (`manifest.layers[2].size: …`); returns the value typed, unknown fields kept.
 */
export function parseDescriptor(v: unknown, field: string): Descriptor {
  const d = checkObject(v, field);
  parseMediaType(d.mediaType, `${field}.mediaType`);
  const digest = parseDigest(checkString(d.digest, `${field}.digest`), `${field}.digest`);
  const size = checkSize(d.size, `${field}.size`);
  if (d.urls !== undefined) {
    checkStringArray(d.urls, `${field}.urls`).forEach((u, i) => {
      if (!URI.test(u)) throw new InvalidArgumentError(`${field}.urls[${i}]: must be an absolute URI, got ${describeValue(u)}`);
    });
  }
  if (d.annotations !== undefined) parseAnnotations(d.annotations, `${field}.annotations`);
  if (d.artifactType !== undefined) parseMediaType(d.artifactType, `${field}.artifactType`);
  if (d.platform !== undefined) parseDescriptorPlatform(d.platform, `${field}.platform`);
  if (d.data !== undefined) checkData(d.data, digest, size, `${field}.data`);
  return d as unknown as Descriptor;
}

/** Annotations (image-spec annotations.md): a map of strings to strings. */
export function parseAnnotations(v: unknown, field: string): Readonly<Record<string, string>> {
  return checkStringMap(v, field);
}

/**
 * The `platform` of a descriptor (image-spec image-index.md): os and
 * architecture are required strings; variant, os.version and os.features are
 * optional. Values are not normalised: the document says what it says.
 */
export function parseDescriptorPlatform(v: unknown, field: string): Platform {
  const p = checkObject(v, field);
  for (const key of ["os", "architecture"] as const) {
    if (p[key] === undefined) {
      throw new InvalidArgumentError(`${field}.${key}: is required`, { hint: 'a platform names at least os and architecture, e.g. {"os":"linux","architecture":"amd64"}' });
    }
    checkString(p[key], `${field}.${key}`);
  }
  if (p.variant !== undefined) checkString(p.variant, `${field}.variant`);
  if (p["os.version"] !== undefined) checkString(p["os.version"], `${field}["os.version"]`);
  if (p["os.features"] !== undefined) checkStringArray(p["os.features"], `${field}["os.features"]`);
  return p as unknown as Platform;
}

function checkSize(v: unknown, field: string): number {
  if (typeof v !== "number") throw new InvalidArgumentError(`${field}: must be a number of bytes, got ${describeValue(v)}`);
  if (!Number.isInteger(v)) throw new InvalidArgumentError(`${field}: must be a whole number of bytes, got ${v}`);
  if (v < 0) throw new InvalidArgumentError(`${field}: must not be negative, got ${v}`);
  if (!Number.isSafeInteger(v)) throw new InvalidArgumentError(`${field}: ${v} is larger than berth can count exactly (2^53-1)`);
  return v;
}

// Embedded content "MUST be identical to the referenced content" (descriptor.md), so its
// size and digest are those of the descriptor; checking costs one hash of at most a manifest's size.
function checkData(v: unknown, digest: Digest, size: number, field: string): void {
  const data = checkString(v, field);
  if (!isBase64(data)) throw new InvalidArgumentError(`${field}: must be base64 (RFC 4648, padded), got ${describeValue(data)}`);
  const bytes = Buffer.from(data, "base64");
  if (bytes.length !== size) {
    throw new InvalidArgumentError(`${field}: decodes to ${bytes.length} bytes, but size is ${size}`);
  }
  const actual = digestOf(bytes, digestAlgorithm(digest));
  if (actual !== digest) {
    throw new InvalidArgumentError(`${field}: content has digest ${actual}, but the descriptor says ${digest}`, {
      hint: "data must hold exactly the bytes the descriptor names",
    });
  }
}
