import assert from "node:assert/strict";
import { lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, beforeEach, describe, it } from "node:test";
import { pack as tarPack, type Header } from "tar-stream";
import { isBerthError } from "../../oci/index.js";
import { UnsafeArchiveEntryError } from "./errors.js";
import { extractArchive } from "./extract-archive.js";

type Entry = Partial<Header> & { name: string; body?: string };
const MTIME = new Date("2020-02-02T02:02:02Z");

/** A tar of `entries`, built with tar-stream (defaults: file, 0644, 0:0, MTIME). */
async function tar(entries: readonly Entry[]): Promise<Buffer> {
  const p = tarPack();
  const chunks: Buffer[] = [];
  const reading = (async () => {
    for await (const c of p as AsyncIterable<Buffer>) chunks.push(c);
  })();
  for (const { body, ...h } of entries) {
    await new Promise<void>((resolve, reject) => p.entry({ mode: 0o644, mtime: MTIME, uid: 0, gid: 0, ...h }, body ?? "", (e) => (e ? reject(e) : resolve())));
  }
  p.finalize();
  await reading;
  return Buffer.concat(chunks);
}

async function* once(b: Buffer): AsyncGenerator<Uint8Array> {
  yield b;
}

const isRoot = process.getuid?.() === 0;

describe("extractArchive", () => {
  let dir = "";
  let root = "";
  let host = "";
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "berth-ex-"));
  });
  beforeEach(async () => {
    root = join(dir, `rootfs-${Math.random().toString(36).slice(2)}`);
    host = join(dir, `host-${Math.random().toString(36).slice(2)}`);
    await mkdir(join(root, "dest"), { recursive: true });
    await mkdir(join(root, "etc"));
    await mkdir(host);
    await writeFile(join(host, "passwd"), "host's own\n");
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const extract = async (entries: readonly Entry[], dest = "/dest") => extractArchive(once(await tar(entries)), root, dest);
  const hostUntouched = async () => {
    assert.deepEqual(await readdir(host), ["passwd"]);
    assert.equal(await readFile(join(host, "passwd"), "utf8"), "host's own\n");
  };

  it("writes files, directories, symlinks and hard links with their modes and times", async () => {
    await extract([
      { name: "d/", type: "directory", mode: 0o750 },
      { name: "d/f", body: "hello", mode: 0o4755 },
      { name: "d/l", type: "symlink", linkname: "f" },
      { name: "d/h", type: "link", linkname: "d/f" },
      { name: "top", body: "x", mode: 0o600 },
    ]);
    const d = join(root, "dest", "d");
    assert.equal((await stat(d)).mode & 0o7777, 0o750);
    assert.equal((await stat(d)).mtime.getTime(), MTIME.getTime(), "a directory's time is set after its contents");
    assert.equal(await readFile(join(d, "f"), "utf8"), "hello");
    assert.equal((await stat(join(d, "f"))).mode & 0o7777, 0o4755);
    assert.equal((await stat(join(d, "f"))).mtime.getTime(), MTIME.getTime());
    assert.equal(await readlink(join(d, "l")), "f");
    assert.equal((await stat(join(d, "h"))).ino, (await stat(join(d, "f"))).ino);
    assert.equal((await stat(join(root, "dest", "top"))).mode & 0o777, 0o600);
  });

  it("keeps owners as root", { skip: isRoot ? false : "needs root (uid 0) to chown" }, async () => {
    await extract([{ name: "d/", type: "directory", uid: 1234, gid: 5678 }, { name: "d/f", uid: 4321, gid: 8765, mode: 0o2755 }, { name: "d/l", type: "symlink", linkname: "f", uid: 11, gid: 12 }]);
    const f = await stat(join(root, "dest", "d", "f"));
    assert.deepEqual([f.uid, f.gid, f.mode & 0o7777], [4321, 8765, 0o2755]);
    const d = await stat(join(root, "dest", "d"));
    assert.deepEqual([d.uid, d.gid], [1234, 5678]);
    const l = await lstat(join(root, "dest", "d", "l"));
    assert.deepEqual([l.uid, l.gid], [11, 12]);
  });

  const hostile: readonly [string, Entry[]][] = [
    ["a ../ name", [{ name: "../../../evil", body: "x" }]],
    ["a .. in the middle", [{ name: "a/../../evil", body: "x" }]],
    ["an absolute name", [{ name: "/etc/evil", body: "x" }]],
    ["a relative symlink climbing out of the root", [{ name: "l", type: "symlink", linkname: "../../../../etc" }]],
    ["a hard link to a path outside", [{ name: "h", type: "link", linkname: "../../../etc/passwd" }]],
    ["a hard link to an absolute path", [{ name: "h", type: "link", linkname: "/etc/passwd" }]],
    ["a hard link to a file the archive did not write", [{ name: "h", type: "link", linkname: "etc/passwd" }]],
    ["a character device", [{ name: "null", type: "character-device", devmajor: 1, devminor: 3 }]],
    ["a FIFO", [{ name: "fifo", type: "fifo" }]],
  ];
  for (const [name, entries] of hostile) {
    it(`refuses ${name}`, async () => {
      await assert.rejects(extract(entries), (e: unknown) => e instanceof UnsafeArchiveEntryError && isBerthError(e, "INVALID_ARGUMENT") && e.message.includes(JSON.stringify(entries[0]?.name)));
      assert.deepEqual(await readdir(join(root, "dest")), [], "nothing written");
      assert.deepEqual((await readdir(root)).sort(), ["dest", "etc"]);
      await hostUntouched();
    });
  }

  it("writes through an archive's absolute symlink inside the root, not the host", async () => {
    await extract([{ name: "l", type: "symlink", linkname: host }, { name: "l/passwd", body: "pwned" }]);
    await hostUntouched();
    assert.equal(await readFile(join(root, host, "passwd"), "utf8"), "pwned");
  });

  it("writes through the rootfs's own symlink to a host path inside the root", async () => {
    await symlink(host, join(root, "dest", "out"));
    await symlink("../../../../../../..", join(root, "dest", "up"));
    await extract([{ name: "out/passwd", body: "pwned" }, { name: "up/etc/x", body: "in the root's /etc" }]);
    await hostUntouched();
    assert.equal(await readFile(join(root, host, "passwd"), "utf8"), "pwned");
    assert.equal(await readFile(join(root, "etc", "x"), "utf8"), "in the root's /etc");
  });

  it("replaces a symlink with the archive's file instead of writing through it", async () => {
    await symlink(join(host, "passwd"), join(root, "dest", "f"));
    await extract([{ name: "f", body: "new" }]);
    await hostUntouched();
    assert.equal((await lstat(join(root, "dest", "f"))).isFile(), true);
  });

  it("refuses to replace a directory with a file", async () => {
    await mkdir(join(root, "dest", "d"));
    await assert.rejects(extract([{ name: "d", body: "x" }]), (e: unknown) => isBerthError(e, "FAILED_PRECONDITION"));
  });

  it("leaves the destination's own metadata alone for a `.` entry", async () => {
    const before = await stat(join(root, "dest"));
    await extract([{ name: "./", type: "directory", mode: 0o777 }, { name: "./f", body: "x" }]);
    assert.equal((await stat(join(root, "dest"))).mode, before.mode);
    assert.equal(await readFile(join(root, "dest", "f"), "utf8"), "x");
  });

  it("makes missing parents", async () => {
    await extract([{ name: "a/b/c", body: "deep" }]);
    assert.equal(await readFile(join(root, "dest", "a", "b", "c"), "utf8"), "deep");
  });

  it("rejects bytes that are not a tar", async () => {
    await assert.rejects(extractArchive(once(Buffer.alloc(1024, 7)), root, "/dest"), (e: unknown) => isBerthError(e, "INVALID_ARGUMENT") && /not a valid tar/.test((e as Error).message));
  });
});
