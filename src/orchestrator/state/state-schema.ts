import type Database from "better-sqlite3";
import { StateSchemaTooNewError } from "./state-errors.js";

/**
 * The schema, as forward migrations: migration i (0-based) takes the database
 * from `user_version` i to i + 1. Append only; never edit a released one.
 *
 * ```
 * stacks    project PK · files, env, profiles, scale, enable (JSON) · working_dir · stopped · updated
 *   └─ stack_services  (project → stacks ON DELETE CASCADE, service) PK · replicas
 * revisions (project, service, revision) PK · config_hash · image · image_id · plan (JSON) · created · status
 *             unique partial indexes: one 'current', one 'previous' per service
 * rollouts  (project, service) PK · from_revision · to_revision · state · detail · started · updated
 * events    id INTEGER PK AUTOINCREMENT · time · project · service · container · action · detail
 * samples   rowid · project · service · container · time (ms) · cpu · memory_bytes; index (project, service, time)
 * ```
 *
 * Revisions, rollouts and samples have no foreign key to `stacks`: the daemon
 * may record them for a stack it adopted from container labels before its
 * desired state is stored again, and a foreign key would turn that into a
 * failed write. `removeStack` deletes them explicitly.
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE stacks (
    project     TEXT PRIMARY KEY NOT NULL,
    files       TEXT NOT NULL,
    working_dir TEXT NOT NULL,
    env         TEXT NOT NULL,
    profiles    TEXT NOT NULL,
    scale       TEXT NOT NULL,
    stopped     INTEGER NOT NULL CHECK (stopped IN (0, 1)),
    updated     TEXT NOT NULL
  ) STRICT;
  CREATE TABLE stack_services (
    project  TEXT NOT NULL REFERENCES stacks(project) ON DELETE CASCADE,
    service  TEXT NOT NULL,
    replicas INTEGER NOT NULL CHECK (replicas >= 0),
    PRIMARY KEY (project, service)
  ) STRICT;
  CREATE TABLE revisions (
    project     TEXT NOT NULL,
    service     TEXT NOT NULL,
    revision    INTEGER NOT NULL CHECK (revision > 0),
    config_hash TEXT NOT NULL,
    image       TEXT NOT NULL,
    image_id    TEXT NOT NULL,
    plan        TEXT NOT NULL,
    created     TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('current', 'previous', 'failed', 'superseded')),
    PRIMARY KEY (project, service, revision)
  ) STRICT;
  CREATE UNIQUE INDEX revisions_one_current ON revisions (project, service) WHERE status = 'current';
  CREATE UNIQUE INDEX revisions_one_previous ON revisions (project, service) WHERE status = 'previous';
  CREATE TABLE rollouts (
    project       TEXT NOT NULL,
    service       TEXT NOT NULL,
    from_revision INTEGER,
    to_revision   INTEGER NOT NULL,
    state         TEXT NOT NULL CHECK (state IN ('updating', 'rolling-back', 'completed', 'rolled-back', 'failed', 'paused')),
    detail        TEXT NOT NULL,
    started       TEXT NOT NULL,
    updated       TEXT NOT NULL,
    PRIMARY KEY (project, service)
  ) STRICT;
  CREATE INDEX rollouts_unfinished ON rollouts (state) WHERE state IN ('updating', 'rolling-back');
  CREATE TABLE events (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    time      TEXT NOT NULL,
    project   TEXT NOT NULL,
    service   TEXT NOT NULL,
    container TEXT,
    action    TEXT NOT NULL,
    detail    TEXT NOT NULL
  ) STRICT;
  CREATE INDEX events_by_service ON events (project, service, id);
  CREATE TABLE samples (
    project      TEXT NOT NULL,
    service      TEXT NOT NULL,
    container    TEXT NOT NULL,
    time         INTEGER NOT NULL,
    cpu          REAL NOT NULL,
    memory_bytes INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX samples_by_service ON samples (project, service, time);
  CREATE INDEX samples_by_time ON samples (time);
  `,
  // The services `up SERVICE…` enabled whatever their profiles (StoredStack.enable).
  `ALTER TABLE stacks ADD COLUMN enable TEXT NOT NULL DEFAULT '[]';`,
];

/** "brth" in the file's header: marks it as berth's, so a SQLite file of another program is refused rather than migrated. */
export const APPLICATION_ID = 0x62727468;

/** The schema version this berth writes: the number of migrations. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Bring the database at `path` to {@link SCHEMA_VERSION}: every missing
 * migration and the new `user_version` in one IMMEDIATE transaction, so two
 * processes opening a new file at once migrate it once, and a crash leaves
 * the old version whole. Throws {@link StateSchemaTooNewError} for a newer
 * version, without writing. Returns the version found before migrating.
 */
export function migrate(db: Database.Database, path: string, migrations: readonly string[] = MIGRATIONS): number {
  const known = migrations.length;
  const versionOf = (): number => db.pragma("user_version", { simple: true }) as number;
  const before = versionOf();
  if (before > known) throw new StateSchemaTooNewError(path, before, known);
  if (before === known) return before;
  db.transaction(() => {
    // Read again under the write lock: another process may have migrated since.
    const found = versionOf();
    if (found > known) throw new StateSchemaTooNewError(path, found, known);
    for (let v = found; v < known; v++) db.exec(migrations[v]!);
    db.pragma(`user_version = ${known}`);
    db.pragma(`application_id = ${APPLICATION_ID}`);
  }).immediate();
  return before;
}
