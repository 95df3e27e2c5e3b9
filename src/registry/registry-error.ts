import { BerthError, DistributionErrorCode, type DistributionErrorCodeName, type ErrorCode } from "../oci/index.js";

const BERTH_CODE: Record<number, ErrorCode> = {
  400: "INVALID_ARGUMENT",
  401: "UNAUTHENTICATED",
  403: "PERMISSION_DENIED",
  404: "NOT_FOUND",
  405: "FAILED_PRECONDITION",
  413: "INVALID_ARGUMENT",
  416: "FAILED_PRECONDITION",
  429: "UNAVAILABLE",
};

/**
 * An error the registry answers with: one distribution-spec error code, the
 * HTTP status (the code's own unless overridden) and optional detail, written
 * as the spec's JSON error body by the server.
 */
export class RegistryError extends BerthError {
  readonly status: number;

  constructor(
    readonly distributionCode: DistributionErrorCodeName,
    message: string,
    opts: { detail?: unknown; status?: number; headers?: Record<string, string>; cause?: unknown } = {},
  ) {
    const status = opts.status ?? DistributionErrorCode[distributionCode].status;
    super(BERTH_CODE[status] ?? "INTERNAL", message, { cause: opts.cause });
    this.status = status;
    this.detail = opts.detail;
    this.headers = opts.headers ?? {};
  }

  readonly detail: unknown;
  readonly headers: Record<string, string>;
}
