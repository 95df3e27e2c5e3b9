import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import {
  chmodSync, closeSync, copyFileSync, mkdirSync, openSync, readFileSync, statSync, symlinkSync, truncateSync, writeFileSync, writeSync,
} from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import Database from "better-sqlite3";
import { isBerthError } from "../../oci/index.js";
import { OrchestratorState } from "./orchestrator-state.js";
import { openStateDatabase } from "./state-database.js";
import { StateCorruptError, StateDatabaseError, StateSchemaTooNewError } from "./state-errors.js";
import { APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION } from "./state-schema.js";
import { stateDir, storedStack, withState } from "./state.test-support.js";

const pragma = (path: string, name: string): unknown => {
  const db = new Database(path, { readonly: true });
  try {
    return db.pragma(name, { simple: true });
  } finally {
    db.close();
  }
};

/** Expect opening `path` to fail with a typed error naming the path and carrying a hint. */
function expectOpenError<E>(path: string, type: new (...args: never[]) => E, match: RegExp): E {
  let err: unknown;
  try {
    OrchestratorState.open(path).close();
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof type, `expected ${type.name}, got ${String(err)}`);
  assert.ok(isBerthError(err, "FAILED_PRECONDITION"));
  assert.match(err.message, match);
  assert.ok(err.message.includes(path), `message names the path: ${err.message}`);
  assert.ok((err.hint ?? "") !== "", "has a hint");
  return err;
}

describe("OrchestratorState.open", () => {
  it("creates the directory 0700 and the file 0600, in WAL mode with the schema", async () => {
    await withState((state, dir) => {
      assert.equal(statSync(join(dir.dir, "daemon")).mode & 0o777, 0o700);
      assert.equal(statSync(dir.path).mode & 0o777, 0o600);
      state.putStack(storedStack("shop"));
      assert.equal(pragma(dir.path, "journal_mode"), "wal");
      assert.equal(pragma(dir.path, "user_version"), SCHEMA_VERSION);
      assert.equal(pragma(dir.path, "application_id"), APPLICATION_ID);
    });
  });

  it("sets WAL, synchronous=NORMAL, foreign_keys and the busy timeout on its connection", async () => {
    const dir = await stateDir();
    try {
      const db = openStateDatabase(dir.path, { busyTimeoutMs: 1234 });
      try {
        assert.equal(db.pragma("journal_mode", { simple: true }), "wal");
        assert.equal(db.pragma("synchronous", { simple: true }), 1, "NORMAL");
        assert.equal(db.pragma("foreign_keys", { simple: true }), 1);
        assert.equal(db.pragma("busy_timeout", { simple: true }), 1234);
      } finally {
        db.close();
      }
    } finally {
      await dir.remove();
    }
  });

  it("tightens a pre-existing file's mode to 0600 and reopens without migrating again", async () => {
    const dir = await stateDir();
    try {
      OrchestratorState.open(dir.path).close();
      chmodSync(dir.path, 0o644);
      const state = OrchestratorState.open(dir.path);
      state.putStack(storedStack("shop"));
      state.close();
      assert.equal(statSync(dir.path).mode & 0o777, 0o600);
      const again = OrchestratorState.open(dir.path);
      assert.equal(again.getStack("shop")?.project, "shop");
      again.close();
      again.close();
    } finally {
      await dir.remove();
    }
  });

  it("migrates an empty (zero-byte) file", async () => {
    const dir = await stateDir();
    try {
      mkdirSync(join(dir.dir, "daemon"));
      writeFileSync(dir.path, "");
      const state = OrchestratorState.open(dir.path);
      assert.deepEqual(state.listStacks(), []);
      state.close();
      assert.equal(pragma(dir.path, "user_version"), SCHEMA_VERSION);
    } finally {
      await dir.remove();
    }
  });

  it("applies newer migrations forward, all in one transaction", async () => {
    const dir = await stateDir();
    try {
      OrchestratorState.open(dir.path).close();
      const broken = [...MIGRATIONS, "CREATE TABLE extra (x TEXT);", "CREATE TABLE extra (x TEXT);"];
      assert.throws(() => OrchestratorState.open(dir.path, { migrations: broken }).close(), (e: unknown) => isBerthError(e));
      assert.equal(pragma(dir.path, "user_version"), SCHEMA_VERSION, "a failed migration changes nothing");
      const next = [...MIGRATIONS, "CREATE TABLE extra (x TEXT); INSERT INTO extra VALUES ('v2');"];
      OrchestratorState.open(dir.path, { migrations: next }).close();
      assert.equal(pragma(dir.path, "user_version"), SCHEMA_VERSION + 1);
      const db = new Database(dir.path, { readonly: true });
      assert.deepEqual(db.prepare("SELECT x FROM extra").pluck().all(), ["v2"]);
      db.close();
    } finally {
      await dir.remove();
    }
  });

  it("refuses a database of a newer berth, and leaves it as it was", async () => {
    const dir = await stateDir();
    try {
      const s = OrchestratorState.open(dir.path);
      s.putStack(storedStack("shop"));
      s.close();
      const db = new Database(dir.path);
      db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
      db.close();
      const err = expectOpenError(dir.path, StateSchemaTooNewError, new RegExp(`schema version ${SCHEMA_VERSION + 1} is newer than this berth knows \\(${SCHEMA_VERSION}\\)`));
      assert.match(err.hint ?? "", /upgrade berth/);
      assert.equal(pragma(dir.path, "user_version"), SCHEMA_VERSION + 1);
    } finally {
      await dir.remove();
    }
  });

  const hostile: { name: string; write: (path: string, good: string) => void }[] = [
    { name: "garbage bytes", write: (p) => writeFileSync(p, Buffer.alloc(8192, 0x5a)) },
    { name: "a text file", write: (p) => writeFileSync(p, "stacks:\n  shop: {}\n") },
    { name: "a SQLite header followed by junk", write: (p) => writeFileSync(p, Buffer.concat([Buffer.from("SQLite format 3\0"), Buffer.alloc(4080, 0xff)])) },
    { name: "a database truncated to half", write: (p, good) => { copyFileSync(good, p); truncateSync(p, Math.floor(statSync(p).size / 2)); } },
    { name: "a database truncated to 100 bytes", write: (p, good) => { copyFileSync(good, p); truncateSync(p, 100); } },
    { name: "a database truncated to one page", write: (p, good) => { copyFileSync(good, p); truncateSync(p, 4096); } },
  ];
  for (const h of hostile) {
    it(`refuses ${h.name} with StateCorruptError naming the path`, async () => {
      const dir = await stateDir();
      try {
        const good = join(dir.dir, "good.db");
        const s = OrchestratorState.open(good);
        for (let i = 0; i < 300; i++) s.putStack(storedStack(`p${i}`));
        s.close();
        mkdirSync(join(dir.dir, "daemon"));
        h.write(dir.path, good);
        const before = readFileSync(dir.path);
        const err = expectOpenError(dir.path, StateCorruptError, /is not a readable berth state database/);
        assert.match(err.hint ?? "", /move the file away/);
        assert.ok(readFileSync(dir.path).equals(before), "the file is left untouched");
      } finally {
        await dir.remove();
      }
    });
  }

  it("refuses another program's SQLite database instead of adding tables to it", async () => {
    const dir = await stateDir();
    try {
      mkdirSync(join(dir.dir, "daemon"));
      const db = new Database(dir.path);
      db.exec("CREATE TABLE notes (t TEXT)");
      db.close();
      expectOpenError(dir.path, StateCorruptError, /SQLite database of another program/);
      assert.equal(pragma(dir.path, "journal_mode"), "delete", "not switched to WAL");
      assert.equal(pragma(dir.path, "user_version"), 0);
      const other = new Database(dir.path);
      other.pragma("application_id = 42");
      other.close();
      expectOpenError(dir.path, StateCorruptError, /another program \(application_id 42\)/);
    } finally {
      await dir.remove();
    }
  });

  it("refuses a symlink (leaving its target's mode alone) and a FIFO, without hanging", async () => {
    const dir = await stateDir();
    try {
      mkdirSync(join(dir.dir, "daemon"));
      const target = join(dir.dir, "elsewhere");
      writeFileSync(target, "keep me", { mode: 0o644 });
      symlinkSync(target, dir.path);
      assert.throws(() => OrchestratorState.open(dir.path), (e: unknown) => isBerthError(e) && e.message.includes(dir.path) && e.hint !== undefined);
      assert.equal(statSync(target).mode & 0o777, 0o644);
      assert.equal(readFileSync(target, "utf8"), "keep me");
      const fifo = join(dir.dir, "daemon", "fifo.db");
      execFileSync("mkfifo", [fifo]);
      expectOpenError(fifo, StateCorruptError, /not a regular file/);
    } finally {
      await dir.remove();
    }
  });

  it("a page damaged after the open check is a StateCorruptError at the first read of it", async () => {
    const dir = await stateDir();
    try {
      const s = OrchestratorState.open(dir.path);
      for (let i = 0; i < 2000; i++) s.appendEvent({ time: new Date().toISOString(), project: "shop", service: "web", action: "create", detail: `event ${i} `.repeat(10) });
      s.close();
      const size = statSync(dir.path).size;
      assert.ok(size > 64 * 1024, `${size} bytes`);
      const fd = openSync(dir.path, "r+");
      writeSync(fd, Buffer.alloc(size - 8192, 0xa5), 0, size - 8192, 8192);
      closeSync(fd);
      const damaged = OrchestratorState.open(dir.path);
      try {
        assert.throws(() => damaged.events({ limit: 100_000 }),
          (e: unknown) => e instanceof StateCorruptError && e.message.includes(dir.path) && /read events/.test(e.message) && /move the file away/.test(e.hint ?? ""));
      } finally {
        damaged.close();
      }
    } finally {
      await dir.remove();
    }
  });

  it("a write lock held past the busy timeout is an UNAVAILABLE StateDatabaseError, and the next write works", async () => {
    await withState((s, dir) => {
      const other = new Database(dir.path);
      try {
        other.exec("BEGIN IMMEDIATE");
        const t0 = Date.now();
        assert.throws(() => s.appendEvent({ time: new Date().toISOString(), project: "shop", service: "", action: "warning", detail: "x" }),
          (e: unknown) => e instanceof StateDatabaseError && isBerthError(e, "UNAVAILABLE") && e.message.includes(dir.path) && e.sqliteCode.startsWith("SQLITE_BUSY"));
        assert.ok(Date.now() - t0 >= 150, "it waited for the lock first");
        other.exec("ROLLBACK");
      } finally {
        other.close();
      }
      assert.equal(s.appendEvent({ time: new Date().toISOString(), project: "shop", service: "", action: "warning", detail: "y" }), 1);
    }, { busyTimeoutMs: 200 });
  });

  it("refuses a path that is a directory with a typed error", async () => {
    const dir = await stateDir();
    try {
      mkdirSync(dir.path, { recursive: true });
      assert.throws(() => OrchestratorState.open(dir.path), (e: unknown) => isBerthError(e) && e.message.includes(dir.path) && e.hint !== undefined);
    } finally {
      await dir.remove();
    }
  });
});
