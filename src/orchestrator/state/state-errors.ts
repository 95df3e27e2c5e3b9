import { BerthError, isBerthError, type ErrorCode } from "../../oci/index.js";

const REBUILD_HINT = "berth rebuilds the desired state from the compose files when you run berth up for each stack again; running containers are adopted, not restarted";

/** The state database was written by a newer berth whose schema this one does not know. */
export class StateSchemaTooNewError extends BerthError {
  constructor(readonly path: string, readonly found: number, readonly known: number) {
    super("FAILED_PRECONDITION", `state database ${path}: schema version ${found} is newer than this berth knows (${known})`, {
      hint: `upgrade berth to the version that wrote it (or a later one); an older berth must not write it. To start over instead, move the file away: ${REBUILD_HINT}`,
    });
  }
}

/** The state database file is not a SQLite database, or is damaged (truncated, overwritten). */
export class StateCorruptError extends BerthError {
  constructor(readonly path: string, readonly detail: string, cause?: unknown) {
    super("FAILED_PRECONDITION", `state database ${path} is not a readable berth state database: ${detail}`, {
      cause,
      hint: `stop the berth daemon, move the file away (mv ${path} ${path}.broken, with its -wal and -shm files) and start it again; ${REBUILD_HINT}`,
    });
  }
}

/** A state database operation failed for a reason other than damage: locked too long, no permission, disk full. */
export class StateDatabaseError extends BerthError {
  constructor(code: ErrorCode, readonly path: string, readonly operation: string, readonly sqliteCode: string, message: string, hint: string, cause: unknown) {
    super(code, `state database ${path}: ${operation}: ${message}`, { cause, hint });
  }
}

/** A service that the stored stack does not have (scale of a service not in the compose file, or one whose profile is off). */
export class StoredServiceNotFoundError extends BerthError {
  constructor(readonly project: string, readonly service: string, readonly known: readonly string[]) {
    super("NOT_FOUND", `stack ${project} has no service ${service}`, {
      hint: known.length === 0 ? "the stack has no services; run berth up again" : `its services: ${known.join(", ")}`,
    });
  }
}

interface SqliteLike { readonly code?: unknown; readonly message?: unknown }

const sqliteCode = (err: unknown): string | undefined => {
  const code = (err as SqliteLike | null)?.code;
  return typeof code === "string" && code.startsWith("SQLITE_") ? code : undefined;
};

/**
 * Turn what better-sqlite3 threw during `operation` on the database at `path`
 * into a typed error naming the path and the fix. A BerthError, or anything
 * that is not a SQLite error, is returned as it is.
 */
export function stateErrorFrom(path: string, operation: string, err: unknown): unknown {
  if (isBerthError(err)) return err;
  const code = sqliteCode(err);
  if (code === undefined) return fileErrorFrom(path, operation, err);
  const message = String((err as SqliteLike).message);
  const primary = code.replace(/^(SQLITE_[A-Z]+)_.*$/, "$1");
  switch (primary) {
    case "SQLITE_NOTADB":
    case "SQLITE_CORRUPT":
      return new StateCorruptError(path, `${operation}: ${message} (${code})`, err);
    case "SQLITE_BUSY":
    case "SQLITE_LOCKED":
      return new StateDatabaseError("UNAVAILABLE", path, operation, code, message,
        "another process held the database locked longer than the busy timeout; retry, and check that no tool holds a long write transaction on it", err);
    case "SQLITE_READONLY":
    case "SQLITE_PERM":
    case "SQLITE_CANTOPEN":
    case "SQLITE_AUTH":
      return new StateDatabaseError("PERMISSION_DENIED", path, operation, code, message,
        "run berth as the user that owns the berth root, and check that the directory and its -wal and -shm files are writable by it", err);
    case "SQLITE_FULL":
    case "SQLITE_IOERR":
      return new StateDatabaseError("UNAVAILABLE", path, operation, code, message, "check the disk holding the berth root: free space, and dmesg for I/O errors", err);
    default:
      return new StateDatabaseError("INTERNAL", path, operation, code, message, "this is a bug in berth; report it with the message", err);
  }
}

/** Errors of the file system calls made before SQLite opens the file. */
function fileErrorFrom(path: string, operation: string, err: unknown): unknown {
  const code = (err as SqliteLike | null)?.code;
  const message = String((err as SqliteLike | null)?.message ?? err);
  switch (code) {
    case "EACCES":
    case "EPERM":
    case "EROFS":
      return new StateDatabaseError("PERMISSION_DENIED", path, operation, code, message, "run berth as the user that owns the berth root (--root or BERTH_ROOT to use another)", err);
    case "EISDIR":
    case "ENOTDIR":
    case "ELOOP":
      return new StateDatabaseError("FAILED_PRECONDITION", path, operation, code, message, "the path must name a regular file in a directory; move what is there away", err);
    case "ENOSPC":
    case "EIO":
      return new StateDatabaseError("UNAVAILABLE", path, operation, code, message, "check the disk holding the berth root: free space, and dmesg for I/O errors", err);
    default:
      return err;
  }
}
