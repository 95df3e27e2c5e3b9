import { describe, it, beforeEach, afterEach } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable, type Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { isBerthError } from "../../oci/index.js";
import { writeArchiveFile } from "./archive-file-writer.js";
import { ArchiveOutputError } from "./errors.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "berth-archive-out-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const writeAll = (bytes: string) => async (out: Writable): Promise<void> => {
  out.end(bytes);
};
const isOutputError = (path: string, message: RegExp) => (e: unknown): boolean =>
  e instanceof ArchiveOutputError && e.path === path && message.test(e.message) && e.hint !== undefined;

describe("writeArchiveFile", () => {
  it("writes a new file, and replaces a regular file only when the write succeeds, leaving no temp file", async () => {
    const path = join(dir, "x.tar");
    await writeArchiveFile(path, writeAll("first"));
    assert.equal(await readFile(path, "utf8"), "first");
    await assert.rejects(writeArchiveFile(path, async (out) => {
      out.write("half of a sec");
      throw new Error("the source failed");
    }), /the source failed/);
    assert.equal(await readFile(path, "utf8"), "first");
    assert.deepEqual(await readdir(dir), ["x.tar"]);
  });

  it("says the directory is missing, naming the path, instead of crashing on an unhandled stream error", async () => {
    const path = join(dir, "no", "such", "x.tar");
    await assert.rejects(writeArchiveFile(path, writeAll("x")), (e: unknown) =>
      isOutputError(path, /invalid output path: directory .*no\/such does not exist/)(e) && isBerthError(e, "FAILED_PRECONDITION"));
  });

  it("turns a stream error that comes while nobody listens into ArchiveOutputError, and removes the temp file", async () => {
    const path = join(dir, "x.tar");
    const eio = Object.assign(new Error("EIO: i/o error, write"), { code: "EIO", syscall: "write", errno: -5 });
    await assert.rejects(writeArchiveFile(path, async (out) => {
      out.destroy(eio);
      // The 'error' event is emitted on the next tick, before anyone pipes into `out`.
      await new Promise((r) => setTimeout(r, 20));
    }), (e: unknown) => isOutputError(path, /EIO: i\/o error/)(e) && (e as Error).cause === eio);
    assert.deepEqual(await readdir(dir), []);
  });

  it("passes on the writer's own failures, even a file-system one its pipeline handed to the stream", async () => {
    const path = join(dir, "x.tar");
    const readFailure = Object.assign(new Error("ENOENT: no such file or directory, open '/store/blobs/sha256/ab'"), {
      code: "ENOENT", syscall: "open", path: "/store/blobs/sha256/ab", errno: -2,
    });
    const source = new Readable({ read() { this.destroy(readFailure); } });
    await assert.rejects(writeArchiveFile(path, (out) => pipeline(source, out)), (e: unknown) => e === readFailure);
    assert.deepEqual(await readdir(dir), []);
  });

  const refusals: { name: string; make: (path: string) => Promise<void>; expectErr: RegExp }[] = [
    { name: "a symlink", make: async (p) => { await writeFile(join(dir, "target.tar"), "kept"); await symlink("target.tar", p); }, expectErr: /cannot write to a symbolic link directly/ },
    { name: "a dangling symlink", make: (p) => symlink("nowhere.tar", p), expectErr: /cannot write to a symbolic link directly/ },
    { name: "a FIFO", make: async (p) => { execFileSync("mkfifo", [p]); }, expectErr: /cannot write to a named pipe \(FIFO\)/ },
    { name: "a directory", make: (p) => mkdir(p), expectErr: /is a directory/ },
  ];
  for (const c of refusals) {
    it(`refuses ${c.name} and leaves it as it was`, async () => {
      const path = join(dir, "out.tar");
      await c.make(path);
      const before = await lstat(path);
      await assert.rejects(writeArchiveFile(path, writeAll("archive")), (e: unknown) => isOutputError(path, c.expectErr)(e) && isBerthError(e, "FAILED_PRECONDITION"));
      const after = await lstat(path);
      assert.equal(after.mode, before.mode, "same kind of file");
      assert.equal(after.ino, before.ino, "not replaced");
      if (after.isSymbolicLink()) assert.match(await readlink(path), /\.tar$/);
      assert.equal((await readdir(dir)).filter((n) => n.endsWith(".tmp")).length, 0);
    });
  }

  it("refuses a device (/dev/null) without touching it", async () => {
    const before = await lstat("/dev/null");
    await assert.rejects(writeArchiveFile("/dev/null", writeAll("archive")), isOutputError("/dev/null", /cannot write to a device/));
    const after = await lstat("/dev/null");
    assert.ok(after.isCharacterDevice());
    assert.equal(after.ino, before.ino);
  });
});
