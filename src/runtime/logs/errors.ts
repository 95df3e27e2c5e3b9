import { BerthError } from "../../oci/index.js";

/** The container's log file does not exist (never started, or removed). */
export class LogFileNotFoundError extends BerthError {
  constructor(readonly path: string, cause?: unknown) {
    super("NOT_FOUND", `container log ${path}: no such file`, {
      cause,
      hint: "the container has not been started yet, or its log was removed; follow (-f) waits for it to appear",
    });
  }
}

/** A `--since`/`--until` value that is neither a time, a unix timestamp nor a duration. */
export class InvalidLogTimeError extends BerthError {
  constructor(readonly value: string, readonly field: string) {
    super("INVALID_ARGUMENT", `${field}: ${JSON.stringify(value)} is not a time`, {
      hint: "give an RFC 3339 time (2024-05-01T10:00:00Z, 2024-05-01T10:00, 2024-05-01), unix seconds (1714557600.5) or a duration before now (10m, 1h30m)",
    });
  }
}
