/**
 * The error codes of the OCI distribution-spec ("Error Codes"), with the HTTP
 * status each is answered with. One table for the server (which writes them)
 * and the client (which reads them), as distribution's errcode package.
 */
export const DistributionErrorCode = {
  BLOB_UNKNOWN: { status: 404, message: "blob unknown to registry" },
  BLOB_UPLOAD_INVALID: { status: 400, message: "blob upload invalid" },
  BLOB_UPLOAD_UNKNOWN: { status: 404, message: "blob upload unknown to registry" },
  DIGEST_INVALID: { status: 400, message: "provided digest did not match uploaded content" },
  MANIFEST_BLOB_UNKNOWN: { status: 400, message: "manifest references a manifest or blob unknown to registry" },
  MANIFEST_INVALID: { status: 400, message: "manifest invalid" },
  MANIFEST_UNKNOWN: { status: 404, message: "manifest unknown to registry" },
  NAME_INVALID: { status: 400, message: "invalid repository name" },
  NAME_UNKNOWN: { status: 404, message: "repository name not known to registry" },
  SIZE_INVALID: { status: 400, message: "provided length did not match content length" },
  UNAUTHORIZED: { status: 401, message: "authentication required" },
  DENIED: { status: 403, message: "requested access to the resource is denied" },
  UNSUPPORTED: { status: 405, message: "the operation is unsupported" },
  TOOMANYREQUESTS: { status: 429, message: "too many requests" },
  RANGE_INVALID: { status: 416, message: "invalid content range" },
  TAG_INVALID: { status: 400, message: "manifest tag did not match URI" },
} as const;

export type DistributionErrorCodeName = keyof typeof DistributionErrorCode;

/** The JSON body of a distribution error response. */
export interface DistributionErrorBody {
  readonly errors: readonly { readonly code: string; readonly message: string; readonly detail?: unknown }[];
}
