import assert from "node:assert/strict";
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { writeFileAtomic } from "./atomic-write.js";
import { withFileLock } from "./file-lock.js";

describe("writeFileAtomic", () => {
  let dir = "";
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "berth-atomic-"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  for (const durable of [true, false]) {
    it(`${durable ? "durable" : "not durable"}: the new content with its mode, no temp file left`, async () => {
      const path = join(dir, `f-${durable}`);
      await writeFile(path, "old");
      await writeFileAtomic(path, "new content", { durable, mode: 0o600 });
      assert.equal(await readFile(path, "utf8"), "new content");
      assert.equal((await stat(path)).mode & 0o777, 0o600);
      assert.deepEqual((await readdir(dir)).filter((n) => n.endsWith(".tmp")), []);
    });
  }

  it("writers at once: one whole write wins, never a mix, no temp file left", async () => {
    const path = join(dir, "raced");
    const texts = Array.from({ length: 20 }, (_, i) => String(i).repeat(50_000 + i));
    await Promise.all(texts.map((t, i) => writeFileAtomic(path, t, { durable: i % 2 === 0 })));
    assert.ok(texts.includes(await readFile(path, "utf8")));
    assert.deepEqual((await readdir(dir)).filter((n) => n.endsWith(".tmp")), []);
  });

  it("not durable, into a directory that is gone: the caller's error, the old file as it was", async () => {
    const gone = join(dir, "gone", "f");
    await assert.rejects(writeFileAtomic(gone, "x", { durable: false, fileError: (e) => new Error(`mapped: ${(e as NodeJS.ErrnoException).code}`) }), /^Error: mapped: ENOENT$/);
  });

  it("not durable, over a directory: fails, and leaves no temp file", async () => {
    const path = join(dir, "adir");
    await mkdir(path);
    await assert.rejects(writeFileAtomic(path, "x", { durable: false }), /EISDIR|ENOTEMPTY|EEXIST/);
    assert.deepEqual((await readdir(dir)).filter((n) => n.endsWith(".tmp")), []);
  });
});

describe("withFileLock", () => {
  let dir = "";
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "berth-lock-"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("lets one holder at a time through a read-modify-write, and removes the lock after", async () => {
    const counter = join(dir, "counter");
    await writeFile(counter, "0");
    await Promise.all(Array.from({ length: 20 }, () => withFileLock(join(dir, "c.lock"), async () => {
      const n = Number(await readFile(counter, "utf8"));
      await new Promise((r) => setTimeout(r, 1));
      await writeFile(counter, String(n + 1));
    })));
    assert.equal(await readFile(counter, "utf8"), "20");
    assert.deepEqual((await readdir(dir)).filter((n) => n.endsWith(".lock")), []);
  });

  it("takes over a lock whose owner is dead", async () => {
    const lock = join(dir, "dead.lock");
    // Past pid_max: no process has it.
    await writeFile(lock, "4194305");
    assert.equal(await withFileLock(lock, async () => "ran", { timeoutMs: 2_000 }), "ran");
  });

  it("waits for a live owner, then says who holds it", async () => {
    const lock = join(dir, "live.lock");
    await writeFile(lock, String(process.pid));
    await assert.rejects(withFileLock(lock, async () => "ran", { timeoutMs: 100 }), new RegExp(`held by pid ${process.pid}`));
    await rm(lock);
  });
});
