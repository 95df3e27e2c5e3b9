import type { Hash } from "node:crypto";
import { InvalidArgumentError } from "./errors.js";

/**
 * A digest of stored bytes, `algorithm:encoded` (image-spec descriptor.md).
 * Branded: only parseDigest and digestOf make one, so code that holds a Digest
 * can trust its shape (and use it in a path).
 */
export type Digest = string & { readonly __brand: "Digest" };

export type DigestAlgorithm = "sha256" | "sha512";

/**
 * node:crypto, loaded on the first hash: loading it costs about 10 ms, and most
 * commands that read digests (every one that touches an image or a container)
 * never compute one.
 */
const createHash = (algorithm: DigestAlgorithm): Hash => process.getBuiltinModule("node:crypto").createHash(algorithm);

const ENCODED_LENGTH: Record<DigestAlgorithm, number> = { sha256: 64, sha512: 128 };
const DIGEST_GRAMMAR = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

export const isDigestAlgorithm = (a: string): a is DigestAlgorithm => a === "sha256" || a === "sha512";

/**
 * Parse and validate a digest. Registered algorithms (sha256, sha512) must be
 * lower-case hex of the right length; others are rejected since we cannot
 * verify them.
 */
export function parseDigest(value: string, field = "digest"): Digest {
  if (!DIGEST_GRAMMAR.test(value)) {
    throw new InvalidArgumentError(`${field}: "${value}" is not a digest`, {
      hint: "a digest looks like sha256:<64 hex characters>",
    });
  }
  const colon = value.indexOf(":");
  const algorithm = value.slice(0, colon);
  const encoded = value.slice(colon + 1);
  if (!isDigestAlgorithm(algorithm)) {
    throw new InvalidArgumentError(`${field}: digest algorithm "${algorithm}" is not supported`, {
      hint: "use sha256 or sha512",
    });
  }
  if (encoded.length !== ENCODED_LENGTH[algorithm] || !/^[a-f0-9]+$/.test(encoded)) {
    throw new InvalidArgumentError(
      `${field}: ${algorithm} digest must be ${ENCODED_LENGTH[algorithm]} lower-case hex characters, got "${encoded}"`,
    );
  }
  return value as Digest;
}

export const isDigest = (value: string): boolean => {
  try {
    parseDigest(value);
    return true;
  } catch {
    return false;
  }
};

export const digestAlgorithm = (d: Digest): DigestAlgorithm => d.slice(0, d.indexOf(":")) as DigestAlgorithm;
export const digestEncoded = (d: Digest): string => d.slice(d.indexOf(":") + 1);

/** The digest of bytes held in memory. */
export function digestOf(data: Uint8Array | string, algorithm: DigestAlgorithm = "sha256"): Digest {
  return `${algorithm}:${createHash(algorithm).update(data).digest("hex")}` as Digest;
}

/** An incremental digester; finish() may be called once. */
export class Digester {
  private readonly hash: Hash;
  constructor(readonly algorithm: DigestAlgorithm = "sha256") {
    this.hash = createHash(algorithm);
  }
  update(chunk: Uint8Array): this {
    this.hash.update(chunk);
    return this;
  }
  digest(): Digest {
    return `${this.algorithm}:${this.hash.digest("hex")}` as Digest;
  }
}
