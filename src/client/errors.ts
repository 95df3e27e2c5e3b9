import { BerthError, formatPlatform, type Descriptor, type Digest } from "../oci/index.js";

// Network failures worth another try: the peer went away, or the path to it did.
const RETRYABLE_ERRNO = new Set([
  "ECONNRESET", "ECONNREFUSED", "ECONNABORTED", "EPIPE", "ETIMEDOUT", "ENETUNREACH", "EHOSTUNREACH", "ENETDOWN",
  "EAI_AGAIN", "ERR_STREAM_PREMATURE_CLOSE",
]);

/** The network failed under a request: refused, reset, timed out, or TLS. Code UNAVAILABLE. */
export class TransportError extends BerthError {
  /** The errno-style code of the failure (`ECONNRESET`), when it had one. */
  readonly errno: string | undefined;

  constructor(
    readonly method: string,
    readonly url: string,
    cause: unknown,
  ) {
    const errno = (cause as NodeJS.ErrnoException | undefined)?.code;
    const what = cause instanceof Error ? cause.message : String(cause);
    super("UNAVAILABLE", `${method} ${url}: ${what}`, { cause, hint: hintFor(errno, what, url) });
    this.errno = errno;
  }

  /** Whether the same request may succeed when sent again. */
  get isRetryable(): boolean {
    return this.errno !== undefined && RETRYABLE_ERRNO.has(this.errno);
  }
}

function hintFor(errno: string | undefined, message: string, url: string): string | undefined {
  const host = safeHost(url);
  if (errno === "ECONNREFUSED") return `nothing listens at ${host}; is the registry running?`;
  if (errno === "ENOTFOUND" || errno === "EAI_AGAIN") return `the name ${host} does not resolve; check the registry host`;
  if (/wrong version number|packet length too long|EPROTO/i.test(`${errno ?? ""} ${message}`)) {
    return `${host} may speak plain HTTP; if you trust the network, list it in insecureRegistries`;
  }
  if (/certificate|self[- ]signed|CERT_|UNABLE_TO_VERIFY/i.test(`${errno ?? ""} ${message}`)) {
    return `the TLS certificate of ${host} is not trusted; add its CA to the system's trust store (or NODE_EXTRA_CA_CERTS)`;
  }
  return undefined;
}

const safeHost = (url: string): string => {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
};

/** Whether `e` is a failure that another attempt of the same request may not see. */
export const isRetryableError = (e: unknown): boolean => e instanceof TransportError && e.isRetryable;

/** A manifest is larger than berth reads (4 MiB, as registries refuse larger ones). */
export class ManifestTooLargeError extends BerthError {
  constructor(
    readonly what: string,
    readonly limit: number,
    readonly size: number,
  ) {
    super("INVALID_ARGUMENT", `manifest ${what}: ${size} bytes or more, over the limit of ${limit}`, {
      hint: "registries refuse manifests over 4 MiB; this one is malformed or hostile",
    });
  }
}

/** The bytes a registry served for a manifest do not have the digest they were asked for by, or announced. */
export class ManifestDigestMismatchError extends BerthError {
  constructor(
    readonly what: string,
    readonly expected: Digest,
    readonly actual: Digest,
  ) {
    super("FAILED_PRECONDITION", `manifest ${what}: got digest ${actual}, expected ${expected}`, {
      hint: "the registry (or something between) served other bytes than the digest names; try again, or report it to the registry's owner",
    });
  }
}

/** The operation was stopped through its AbortSignal. */
export class CancelledError extends BerthError {
  constructor(what: string, cause?: unknown) {
    super("CANCELLED", `${what}: cancelled`, { cause });
  }
}

/** Turn an abort into a CancelledError; anything else passes through. */
export function asCancelled(e: unknown, signal: AbortSignal | undefined, what: string): unknown {
  if (e instanceof CancelledError) return e;
  if (signal?.aborted || (e as Error | undefined)?.name === "AbortError") return new CancelledError(what, e);
  return e;
}


/**
 * An index entry to push is neither in the local store nor in the
 * destination repository (an index pulled for some of its platforms). Code
 * NOT_FOUND; thrown before anything is uploaded.
 */
export class MissingIndexEntryError extends BerthError {
  /** A brand the image layer checks without loading the client (see image/load-client.ts). */
  readonly isMissingIndexEntry = true;

  constructor(readonly index: Digest, readonly entry: Descriptor, readonly destination: string, cause?: unknown) {
    const platform = entry.platform ? ` (${formatPlatform(entry.platform)})` : "";
    super("NOT_FOUND", `index ${index}: entry ${entry.digest}${platform} is neither stored locally nor in ${destination}`, {
      cause, hint: "pull all platforms first (berth pull --all-platforms), or push one platform's manifest (berth push --platform os/arch)",
    });
  }
}
