import type Database from "better-sqlite3";
import { StateCorruptError, stateErrorFrom } from "./state-errors.js";

/**
 * What every table of the state store works with: the connection, and the one
 * place where SQLite's errors become typed errors naming the file.
 */
export interface TableContext {
  readonly db: Database.Database;
  /** The database file, for error messages. */
  readonly path: string;
  /** Run `fn` (a read, or one single-statement write); SQLite errors are rethrown typed, naming `operation`. */
  run<T>(operation: string, fn: () => T): T;
  /**
   * Run `fn` in an IMMEDIATE transaction (a savepoint when one is open): it
   * takes the write lock first, waiting up to the busy timeout, so a read
   * inside never has to be upgraded to a write and fail with SQLITE_BUSY.
   */
  write<T>(operation: string, fn: () => T): T;
  /** Parse a JSON column of a row; damage is a StateCorruptError naming `where`. */
  json<T>(where: string, text: string): T;
}

/** The context of the database `db`, opened from `path`. */
export function tableContext(db: Database.Database, path: string): TableContext {
  const run = <T>(operation: string, fn: () => T): T => {
    try {
      return fn();
    } catch (err) {
      throw stateErrorFrom(path, operation, err);
    }
  };
  return {
    db,
    path,
    run,
    write: (operation, fn) => run(operation, () => (db.inTransaction ? db.transaction(fn)() : db.transaction(fn).immediate())),
    json: <T>(where: string, text: string): T => {
      try {
        return JSON.parse(text) as T;
      } catch (err) {
        throw new StateCorruptError(path, `${where} holds invalid JSON`, err);
      }
    },
  };
}
