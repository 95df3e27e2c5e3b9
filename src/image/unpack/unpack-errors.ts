import { BerthError, type Digest, type ErrorCode } from "../../oci/index.js";

/** Longest entry name quoted in a message; hostile names can be megabytes long. */
const MAX_QUOTED = 200;

/** `"name"`, shortened in the middle when it is too long to read. */
export function quoteEntry(name: string): string {
  const shown = name.length <= MAX_QUOTED ? name : `${name.slice(0, 120)}…(${name.length} characters)…${name.slice(-40)}`;
  return JSON.stringify(shown);
}

/**
 * One entry of a layer could not be applied: it is unsafe, malformed, or the
 * filesystem refused it. The message names the layer and the entry:
 * `layer sha256:…: entry "../../etc/passwd": …`. Nothing was written outside
 * the destination; the caller discards the partial snapshot.
 */
export class LayerEntryError extends BerthError {
  constructor(
    readonly layer: string,
    readonly entry: string,
    readonly reason: string,
    code: ErrorCode = "INVALID_ARGUMENT",
    opts: { cause?: unknown; hint?: string } = {},
  ) {
    super(code, `layer ${layer}: entry ${quoteEntry(entry)}: ${reason}`, {
      cause: opts.cause,
      hint: opts.hint ?? (code === "INVALID_ARGUMENT" ? "the layer is malformed or hostile; it was not applied" : undefined),
    });
  }
}

/** The layer stream itself is broken: bad compression, a corrupt or truncated tar. */
export class LayerFormatError extends BerthError {
  constructor(readonly layer: string, reason: string, opts: { cause?: unknown; hint?: string } = {}) {
    super("INVALID_ARGUMENT", `layer ${layer}: ${reason}`, {
      cause: opts.cause,
      hint: opts.hint ?? "the blob is corrupt or not a layer of the type its media type says; pull it again",
    });
  }
}

/** The uncompressed layer does not hash to the diffID the image config lists for it. */
export class DiffIdMismatchError extends BerthError {
  constructor(readonly layer: string, readonly expected: Digest, readonly actual: Digest) {
    super("FAILED_PRECONDITION", `layer ${layer}: uncompressed content has diffID ${actual}, expected ${expected} from the image config`, {
      hint: "the layer blob does not belong to this image config, or the config lists the wrong diff_ids; the layer was not applied",
    });
  }
}

/** A layer media type berth cannot decompress. */
export class UnsupportedLayerError extends BerthError {
  constructor(readonly layer: string, readonly mediaType: string) {
    super("INVALID_ARGUMENT", `layer ${layer}: media type ${JSON.stringify(mediaType)} is not a layer berth can unpack`, {
      hint: "berth unpacks tar layers, uncompressed, gzip or zstd (OCI and Docker media types)",
    });
  }
}

/** A snapshot the caller named is not in the store. */
export class SnapshotNotFoundError extends BerthError {
  constructor(readonly chainId: Digest) {
    super("NOT_FOUND", `snapshot ${chainId}: not found`, { hint: "unpack the image again" });
  }
}
