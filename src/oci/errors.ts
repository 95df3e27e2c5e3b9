/**
 * The one error type of berth. Every layer throws a BerthError (or a subclass
 * carrying the values as fields); each edge maps the code once: the registry to
 * OCI error JSON, the CLI to an exit code.
 */
export type ErrorCode =
  | "NOT_FOUND"
  | "ALREADY_EXISTS"
  | "INVALID_ARGUMENT"
  | "FAILED_PRECONDITION"
  | "UNAVAILABLE"
  | "UNAUTHENTICATED"
  | "PERMISSION_DENIED"
  | "CANCELLED"
  | "INTERNAL";

export interface BerthErrorOptions {
  readonly cause?: unknown;
  /** What the user can do about it, when that is knowable. */
  readonly hint?: string;
}

export class BerthError extends Error {
  // A brand survives two copies of the package; instanceof does not.
  readonly isBerthError = true;
  readonly hint: string | undefined;

  constructor(
    readonly code: ErrorCode,
    message: string,
    opts: BerthErrorOptions = {},
  ) {
    super(message, { cause: opts.cause });
    this.name = new.target.name;
    this.hint = opts.hint;
  }
}

export const isBerthError = (e: unknown, code?: ErrorCode): e is BerthError =>
  typeof e === "object" &&
  e !== null &&
  (e as BerthError).isBerthError === true &&
  (code === undefined || (e as BerthError).code === code);

/** A value that failed to parse; the message names the field. */
export class InvalidArgumentError extends BerthError {
  constructor(message: string, opts: BerthErrorOptions = {}) {
    super("INVALID_ARGUMENT", message, opts);
  }
}
