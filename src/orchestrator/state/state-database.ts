import { chmodSync, closeSync, constants, fchmodSync, fstatSync, mkdirSync, openSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { APPLICATION_ID, migrate, SCHEMA_VERSION } from "./state-schema.js";
import { StateCorruptError, stateErrorFrom } from "./state-errors.js";

/** Options of {@link openStateDatabase}. */
export interface StateDatabaseOptions {
  /**
   * How long a statement waits for another process's write lock before it
   * fails with an UNAVAILABLE error. Default 5000 ms: the daemon and a CLI
   * reading events share the file, and no berth transaction holds the lock
   * for more than a few milliseconds.
   */
  readonly busyTimeoutMs?: number;
  /** The migrations to apply (tests only; default: berth's schema). */
  readonly migrations?: readonly string[];
}

/**
 * Open (creating it, and its directory with mode 0700, when missing) the state
 * database at `path`, configure the connection and migrate the schema.
 * Throws StateCorruptError for a file that is not a berth state database,
 * StateSchemaTooNewError for one written by a newer berth, and a
 * StateDatabaseError for anything else SQLite refuses; never SQLite's bare
 * error. The file is created with mode 0600: it holds the stacks' environment.
 */
export function openStateDatabase(path: string, opts: StateDatabaseOptions = {}): Database.Database {
  try {
    prepareFile(path);
  } catch (err) {
    throw stateErrorFrom(path, "create", err);
  }
  const busyTimeoutMs = opts.busyTimeoutMs ?? 5000;
  let db: Database.Database;
  try {
    db = new Database(path, { timeout: busyTimeoutMs });
  } catch (err) {
    throw stateErrorFrom(path, "open", err);
  }
  try {
    // Only reads until the file is known to be berth's: another program's database is not written to.
    whileBusy(busyTimeoutMs, () => {
      checkOwner(db, path);
      configure(db, path);
    });
    migrate(db, path, opts.migrations);
    return db;
  } catch (err) {
    db.close();
    throw stateErrorFrom(path, "open", err);
  }
}

function prepareFile(path: string): void {
  const dir = dirname(path);
  // Only a directory made here gets 0700; an existing one (maybe /tmp) is the owner's business.
  if (mkdirSync(dir, { recursive: true, mode: 0o700 }) !== undefined) chmodSync(dir, 0o700);
  // No symlink (ELOOP): the chmod below must not reach a file elsewhere. Non-blocking: a FIFO must not hang the open.
  const fd = openSync(path, constants.O_RDWR | constants.O_CREAT | constants.O_NOFOLLOW | constants.O_NONBLOCK, 0o600);
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new StateCorruptError(path, "it is not a regular file");
    if (stat.mode & 0o077) fchmodSync(fd, stat.mode & 0o600);
  } finally {
    closeSync(fd);
  }
}

/**
 * Run `fn` again while SQLite answers SQLITE_BUSY, for up to `timeoutMs`. Switching a new file to
 * WAL takes an exclusive lock, and when two processes open the file at once SQLite may refuse one
 * of them at once instead of calling the busy handler (it would otherwise be a deadlock): seen as
 * "database is locked" from an open under load. The wait blocks, as every call of this sync API
 * does, and happens only while a database is being opened.
 */
function whileBusy(timeoutMs: number, fn: () => void): void {
  const deadline = Date.now() + timeoutMs;
  for (let wait = 5; ; wait = Math.min(wait * 2, 100)) {
    try {
      return fn();
    } catch (err) {
      if ((err as { code?: unknown }).code !== "SQLITE_BUSY" || Date.now() + wait > deadline) throw err;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, wait);
    }
  }
}

function configure(db: Database.Database, path: string): void {
  const mode = db.pragma("journal_mode = WAL", { simple: true });
  if (mode !== "wal") {
    throw new StateCorruptError(path, `journal mode stays "${String(mode)}", WAL is needed (is the file on a network filesystem?)`);
  }
  // NORMAL is safe with WAL for this state: a commit is durable against a crash
  // of any process (kill -9 of the daemon loses nothing, the WAL is in the OS
  // cache) and the file is never corrupted; only an OS crash or power loss may
  // drop the last commits, and that also ends every container, so the daemon
  // rebuilds from `berth up`'s desired state anyway. FULL would fsync on every
  // event and sample for no gain.
  db.pragma("synchronous = NORMAL");
  db.pragma("foreign_keys = ON");
}

function checkOwner(db: Database.Database, path: string): void {
  // Reads page 1 and the schema: a file that is not a database fails here (SQLITE_NOTADB, SQLITE_CORRUPT).
  db.pragma("schema_version", { simple: true });
  const appId = db.pragma("application_id", { simple: true }) as number;
  const version = db.pragma("user_version", { simple: true }) as number;
  if (appId === APPLICATION_ID) return;
  if (appId !== 0) throw new StateCorruptError(path, `it belongs to another program (application_id ${appId})`);
  const objects = (db.prepare("SELECT count(*) AS n FROM sqlite_schema").get() as { n: number }).n;
  if (objects > 0 || version !== 0) {
    throw new StateCorruptError(path, `it is a SQLite database of another program (${objects} tables and indexes, user_version ${version}, no berth mark)`);
  }
}

/** The schema version this berth reads and writes. */
export const STATE_SCHEMA_VERSION = SCHEMA_VERSION;
