import { BerthError, type ErrorCode } from "../oci/index.js";

/**
 * What crosses the daemon's socket besides plain JSON bodies: errors keep
 * their code and hint, so a CLI talking to the daemon fails exactly as one
 * running the library itself would (same message, same exit code); long
 * operations answer with NDJSON, one {@link StreamLine} per line.
 */
export interface WireError {
  readonly code: ErrorCode;
  readonly message: string;
  readonly hint?: string;
}

/** One line of a streamed answer: events and progress while the work goes on, then one result or one error. */
export type StreamLine<E, R> =
  | { readonly event: E }
  | { readonly progress: string }
  | { readonly result: R }
  | { readonly error: WireError };

const STATUS: Readonly<Record<ErrorCode, number>> = {
  NOT_FOUND: 404, ALREADY_EXISTS: 409, INVALID_ARGUMENT: 400, FAILED_PRECONDITION: 409, UNAVAILABLE: 503,
  UNAUTHENTICATED: 401, PERMISSION_DENIED: 403, CANCELLED: 499, INTERNAL: 500,
};

export const httpStatusOf = (code: ErrorCode): number => STATUS[code];

const CODES = new Set(Object.keys(STATUS));

export function toWireError(e: unknown): WireError {
  if (e instanceof BerthError || (typeof e === "object" && e !== null && (e as BerthError).isBerthError === true)) {
    const b = e as BerthError;
    return { code: b.code, message: b.message, ...(b.hint !== undefined && { hint: b.hint }) };
  }
  return { code: "INTERNAL", message: e instanceof Error ? e.message : String(e) };
}

/** The error the daemon sent, as the BerthError it was (its class is not kept; code, message and hint are). */
export function fromWireError(w: unknown, fallback: string): BerthError {
  const v = (typeof w === "object" && w !== null ? w : {}) as Partial<WireError>;
  const code = typeof v.code === "string" && CODES.has(v.code) ? v.code : "INTERNAL";
  return new BerthError(code, typeof v.message === "string" ? v.message : fallback, typeof v.hint === "string" ? { hint: v.hint } : {});
}
