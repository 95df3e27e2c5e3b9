import { isBerthError, type ErrorCode } from "../oci/index.js";

/** Exit codes scripts can trust. */
export const ExitCode = {
  ok: 0,
  /** The operation failed (something was wrong with the data, the target, the machine). */
  failure: 1,
  /** The command line was wrong: unknown flag, bad value. */
  usage: 2,
  /** What was asked for does not exist. */
  notFound: 3,
  /** Refused: authentication or permission. */
  denied: 4,
  /**
   * `run`, `create`, `exec`: berth failed, whatever the reason (docker's
   * code), as those exit with the container's own code otherwise.
   */
  containerCommandFailed: 125,
} as const;

const BY_CODE: Partial<Record<ErrorCode, number>> = {
  INVALID_ARGUMENT: ExitCode.usage,
  NOT_FOUND: ExitCode.notFound,
  UNAUTHENTICATED: ExitCode.denied,
  PERMISSION_DENIED: ExitCode.denied,
};

export function exitCodeFor(e: unknown): number {
  return isBerthError(e) ? (BY_CODE[e.code] ?? ExitCode.failure) : ExitCode.failure;
}
