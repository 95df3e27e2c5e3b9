import { BerthError, type ErrorCode } from "../oci/index.js";
import { parseChallenges } from "./auth/challenge.js";
import type { HttpResponse } from "./http-transport.js";
import { readBody } from "./internal/read-body.js";

/** One entry of a distribution-spec error body. */
export interface RegistryErrorEntry {
  readonly code: string;
  readonly message: string;
  readonly detail?: unknown;
}

/** Where the failed request went, for the message. */
export interface FailedRequest {
  readonly method: string;
  readonly url: URL;
  /** The registry host as the user names it, for the login hint. */
  readonly host: string;
}

// Error bodies are read up to this size; what a hostile server sends beyond is not read.
const MAX_ERROR_BODY = 64 * 1024;
const MAX_MESSAGE = 300;

/**
 * A registry answered with an error status. Keeps what go-containerregistry's
 * transport.Error keeps: the status, the distribution-spec error entries, and
 * the request (method and URL), so the message says which call failed. The
 * BerthError code is mapped from the status and the registry's codes:
 * 401 UNAUTHENTICATED (hint: berth login HOST), 403 PERMISSION_DENIED,
 * 404 NOT_FOUND, 429 and 5xx UNAVAILABLE, other 4xx by their meaning.
 */
export class RegistryResponseError extends BerthError {
  constructor(
    readonly status: number,
    readonly method: string,
    readonly url: string,
    readonly errors: readonly RegistryErrorEntry[],
    host: string,
    /** A 401 whose challenge says `error="insufficient_scope"`: authenticated, but not allowed. */
    readonly isInsufficientScope = false,
  ) {
    const code = errorCodeFor(status, errors, isInsufficientScope);
    super(code, formatMessage(status, method, url, errors), { hint: hintFor(code, status, errors, host) });
  }

  /** Whether the registry named this distribution-spec code (`MANIFEST_UNKNOWN`). */
  hasCode(code: string): boolean {
    return this.errors.some((e) => e.code === code);
  }
}

// Statuses by which a registry says it will not take a body on PUT (400 too, unless it names the digest or size).
const BODY_REFUSED = new Set([405, 411, 413, 415, 416, 501]);

/**
 * Whether `e` is a registry's refusal of an upload PUT carrying a body (the
 * way of uploading, not the bytes): 405, 411, 413, 415, 416, 501, or a 400
 * that names neither DIGEST_INVALID nor SIZE_INVALID.
 */
export function isBodyRefusal(e: unknown): boolean {
  if (!(e instanceof RegistryResponseError)) return false;
  if (e.status === 400) return !e.hasCode("DIGEST_INVALID") && !e.hasCode("SIZE_INVALID");
  return BODY_REFUSED.has(e.status);
}

/**
 * Read (at most 64 KiB of) an error response's body and make the error.
 * `sentCredentials` tells a 401 for a scope the user lacks (PERMISSION_DENIED)
 * from one for no user at all (UNAUTHENTICATED).
 * Understands distribution's `{"errors":[…]}`, OAuth2's `{"error", "error_description"}`
 * and Docker's token servers' `{"details"}`; other bodies give their status alone.
 */
export async function responseError(res: HttpResponse, req: FailedRequest, opts: { readonly sentCredentials?: boolean } = {}): Promise<RegistryResponseError> {
  let entries: RegistryErrorEntry[] = [];
  if (req.method !== "HEAD") {
    const body = await readBody(res.body, MAX_ERROR_BODY, () => new Error("too large")).catch(() => undefined);
    if (body !== undefined) entries = parseErrorBody(body);
  } else {
    res.discard();
  }
  // Without credentials, a scope too small is a reason to log in, not a refusal of the user.
  const insufficientScope = res.status === 401 && opts.sentCredentials === true && parseChallenges(res.headerValues("www-authenticate")).some((c) => c.params.error === "insufficient_scope");
  return new RegistryResponseError(res.status, req.method, displayUrl(req.url), entries, req.host, insufficientScope);
}

/** The error entries of a body, sanitised; [] when it is not one of the known shapes. */
export function parseErrorBody(body: Uint8Array): RegistryErrorEntry[] {
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(body).toString("utf8"));
  } catch {
    return [];
  }
  if (typeof doc !== "object" || doc === null) return [];
  const d = doc as Record<string, unknown>;
  if (Array.isArray(d.errors)) {
    return d.errors.slice(0, 10).flatMap((e: unknown) => {
      if (typeof e !== "object" || e === null) return [];
      const o = e as Record<string, unknown>;
      const code = typeof o.code === "string" ? printable(o.code).toUpperCase() : "UNKNOWN";
      const message = typeof o.message === "string" ? printable(o.message) : "";
      return [{ code, message, ...(o.detail !== undefined && { detail: o.detail }) }];
    });
  }
  if (typeof d.error === "string") {
    const description = typeof d.error_description === "string" ? printable(d.error_description) : "";
    return [{ code: printable(d.error).toUpperCase(), message: description }];
  }
  if (typeof d.details === "string") return [{ code: "UNKNOWN", message: printable(d.details) }];
  return [];
}

/**
 * The BerthError code for a registry's answer. A 401 that names DENIED or an
 * insufficient scope means the credentials were taken but do not allow the
 * action: PERMISSION_DENIED, not UNAUTHENTICATED.
 */
export function errorCodeFor(status: number, errors: readonly RegistryErrorEntry[], isInsufficientScope = false): ErrorCode {
  const codes = new Set(errors.map((e) => e.code));
  if (status === 403 || codes.has("DENIED") || (status === 401 && isInsufficientScope)) return "PERMISSION_DENIED";
  if (status === 401 || codes.has("UNAUTHORIZED")) return "UNAUTHENTICATED";
  if (status === 404) return "NOT_FOUND";
  if (status === 429 || status === 408 || status >= 500) return "UNAVAILABLE";
  if (codes.has("MANIFEST_BLOB_UNKNOWN") || status === 409 || status === 412 || status === 416) return "FAILED_PRECONDITION";
  if (status === 405 || codes.has("UNSUPPORTED")) return "FAILED_PRECONDITION";
  if (status >= 400 && status < 500) return "INVALID_ARGUMENT";
  return "INTERNAL";
}

function hintFor(code: ErrorCode, status: number, errors: readonly RegistryErrorEntry[], host: string): string | undefined {
  if (code === "UNAUTHENTICATED") return `run berth login ${host}`;
  if (code === "PERMISSION_DENIED") return `the account lacks access here; ask the registry's owner, or run berth login ${host} as a user who has it`;
  if (status === 429) return "the registry limits the request rate; wait a while and try again";
  if (errors.some((e) => e.code === "NAME_UNKNOWN")) return "check the repository name";
  if (errors.some((e) => e.code === "MANIFEST_BLOB_UNKNOWN")) return "push the blobs the manifest names before the manifest";
  if (status === 405 || errors.some((e) => e.code === "UNSUPPORTED")) return "the registry does not support this operation (deletion may be turned off)";
  return undefined;
}

function formatMessage(status: number, method: string, url: string, errors: readonly RegistryErrorEntry[]): string {
  const head = `${method} ${url}: ${status} ${STATUS_TEXT[status] ?? ""}`.trimEnd();
  if (errors.length === 0) {
    return method === "HEAD" ? `${head} (HEAD responses have no body, use GET for details)` : head;
  }
  return `${head}: ${errors.map((e) => (e.message === "" ? e.code : `${e.code}: ${e.message}`)).join("; ")}`;
}

/** A URL for messages: the query (upload state tokens, long digests) shortened. */
export function displayUrl(url: URL): string {
  return `${url.origin}${url.pathname}${url.search === "" ? "" : "?…"}`;
}

/** Control characters out, length capped: the text came from the network. */
const printable = (s: string): string => {
  const clean = s.replace(/[\u0000-\u001f\u007f-\u009f]/g, " ");
  return clean.length > MAX_MESSAGE ? `${clean.slice(0, MAX_MESSAGE)}…` : clean;
};

const STATUS_TEXT: Readonly<Record<number, string>> = {
  400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
  408: "Request Timeout", 409: "Conflict", 412: "Precondition Failed", 413: "Payload Too Large", 416: "Range Not Satisfiable",
  429: "Too Many Requests", 500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout",
};
