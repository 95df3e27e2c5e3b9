import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buffer } from "node:stream/consumers";
import { after, before, beforeEach, describe, it } from "node:test";
import { gzipSync } from "node:zlib";
import { pack as tarPack, type Header } from "tar-stream";
import { archiveCompression, extractArchive, isTarHeader } from "./add-archive.js";
import { detectCompression } from "./add-decompress.js";
import { UnsafeArchiveError } from "./copy-errors.js";

const isRoot = process.getuid?.() === 0;
type Entry = Partial<Header> & { name: string; content?: string };

async function tar(entries: readonly Entry[], pax?: Record<string, string>): Promise<Buffer> {
  const pack = tarPack();
  const out = buffer(pack);
  for (const { content, ...h } of entries) {
    const header = { uid: 1234, gid: 5678, mode: 0o640, mtime: new Date(1_000_000_000_000), ...h, ...(pax && { pax }) };
    if (content === undefined) pack.entry(header);
    else pack.entry({ ...header, size: Buffer.byteLength(content) }, content);
  }
  pack.finalize();
  return out;
}

const squeeze = (data: Buffer, program: string): Buffer => execFileSync(program, ["-c"], { input: data });
const hasCompressors = ["bzip2", "xz"].every((p) => spawnSync(p, ["--version"]).status === 0);
const NO_COMPRESSORS = "needs the bzip2 and xz programs: apt-get install bzip2 xz-utils";

describe("ADD archives", () => {
  let top = "";
  let root = "";
  let n = 0;
  let normal: Buffer;
  before(async () => {
    top = await mkdtemp(join(tmpdir(), "berth-addar-"));
    await mkdir(join(top, "outside"));
    normal = await tar([
      { name: "top/", type: "directory", mode: 0o750 },
      { name: "top/f.txt", type: "file", content: "hello\n" },
      { name: "top/l", type: "symlink", linkname: "f.txt" },
      { name: "top/h", type: "link", linkname: "top/f.txt" },
      { name: "x/y/z", type: "file", content: "deep", mode: 0o4755 },
    ]);
  });
  beforeEach(async () => {
    root = join(top, `root-${++n}`);
    await mkdir(root);
  });
  after(async () => {
    assert.deepEqual(await readdir(join(top, "outside")), [], "nothing was written outside the destination");
    await rm(top, { recursive: true, force: true });
  });

  const write = async (name: string, data: Buffer): Promise<string> => {
    const p = join(top, `${n}-${name}`);
    await writeFile(p, data);
    return p;
  };
  const extract = async (data: Buffer, owner?: { uid: number; gid: number }): Promise<void> => {
    const file = await write("a.tar", data);
    const compression = await archiveCompression(file);
    assert.ok(compression !== undefined, "detected as an archive");
    await extractArchive(file, compression, { root, name: "a.tar", ...(owner && { owner }) });
  };

  it("tells archives by content: plain, gzip, bzip2, xz, whatever the name; not zstd, text, short or zero files", async (t) => {
    if (!hasCompressors) return t.skip(NO_COMPRESSORS);
    assert.equal(await archiveCompression(await write("x.txt", normal)), "none");
    assert.equal(await archiveCompression(await write("x", gzipSync(normal))), "gzip");
    assert.equal(await archiveCompression(await write("x", squeeze(normal, "bzip2"))), "bzip2");
    assert.equal(await archiveCompression(await write("x", squeeze(normal, "xz"))), "xz");
    assert.equal(await archiveCompression(await write("x.tar", Buffer.from("not a tar\n"))), undefined);
    assert.equal(await archiveCompression(await write("x.tar", Buffer.alloc(1024))), undefined);
    assert.equal(await archiveCompression(await write("x.tar", normal.subarray(0, 300))), undefined);
    assert.equal(await archiveCompression(await write("x.tar.gz", gzipSync("plain text"))), undefined);
    assert.equal(await archiveCompression(await write("x.tar.gz", Buffer.from([0x1f, 0x8b, 0x08, 1, 2, 3]))), undefined, "a broken gzip is a plain file");
    assert.equal(await archiveCompression(await write("x.empty", Buffer.alloc(0))), undefined);
    assert.equal(detectCompression(Buffer.from([0x28, 0xb5, 0x2f, 0xfd])), "none", "zstd is not extracted, as docker 20.10's ADD does not");
  });

  it("fails, rather than copy it unextracted, when the decoder an archive needs is not installed", async (t) => {
    if (!hasCompressors) return t.skip(NO_COMPRESSORS);
    const file = await write("x.txz", squeeze(normal, "xz"));
    const path = process.env.PATH;
    process.env.PATH = join(top, "no-such-bin");
    try {
      await assert.rejects(archiveCompression(file), /cannot run xz \(apt-get install xz-utils\)/);
    } finally {
      process.env.PATH = path;
    }
  });

  it("checks a header's checksum the way Go's archive/tar does", () => {
    const block = Buffer.from(normal.subarray(0, 512));
    assert.equal(isTarHeader(block), true);
    block[0] = block[0]! + 1;
    assert.equal(isTarHeader(block), false);
  });

  it("extracts files, directories, symlinks and hard links with the archive's modes (setuid too), owners and times", async () => {
    await extract(normal);
    assert.equal(await readFile(join(root, "top/f.txt"), "utf8"), "hello\n");
    assert.equal(await readlink(join(root, "top/l")), "f.txt");
    assert.equal((await lstat(join(root, "top/h"))).ino, (await lstat(join(root, "top/f.txt"))).ino);
    assert.equal((await lstat(join(root, "top"))).mode & 0o7777, 0o750);
    assert.equal((await lstat(join(root, "x/y/z"))).mode & 0o7777, 0o4755);
    assert.equal((await lstat(join(root, "x"))).mode & 0o7777, 0o755, "a parent the archive does not list is 0755");
    assert.equal((await lstat(join(root, "top/f.txt"))).mtimeMs, 1_000_000_000_000);
    if (isRoot) assert.deepEqual([(await lstat(join(root, "top/f.txt"))).uid, (await lstat(join(root, "top/l"))).gid], [1234, 5678]);
  });

  it("keeps pax's fractional mtimes", async () => {
    await extract(await tar([{ name: "p", type: "file", content: "p" }], { mtime: "1000000000.25" }));
    assert.equal((await lstat(join(root, "p"))).mtimeMs, 1_000_000_000_250);
  });

  it("gives every entry the --chown owner when one is given", async (t) => {
    if (!isRoot) return t.skip("needs root to chown");
    await extract(normal, { uid: 7, gid: 8 });
    for (const p of ["top", "top/f.txt", "top/l", "x/y/z"]) assert.deepEqual([(await lstat(join(root, p))).uid, (await lstat(join(root, p))).gid], [7, 8], p);
  });

  it("keeps ../, absolute names and links that climb inside the destination, as docker's chroot does", async () => {
    await symlink(join(top, "outside"), join(root, "host-outside"));
    await extract(await tar([
      { name: "../../escape1", type: "file", content: "e1" },
      { name: "/abs", type: "file", content: "abs" },
      { name: "./a/../../b", type: "file", content: "b" },
      { name: "inside", type: "symlink", linkname: "../../../../" },
      { name: "inside/through", type: "file", content: "through" },
      { name: "evil", type: "symlink", linkname: "/etc" },
      { name: "evil/passwd", type: "file", content: "not the host's" },
      { name: "host-outside/x", type: "file", content: "x" },
      { name: "alink", type: "symlink", linkname: "/etc/shadow" },
    ]));
    const hostTop = top.split("/")[1]!; // the link to a host path made that path inside the destination
    assert.deepEqual((await readdir(root)).sort(), ["abs", "alink", "b", "escape1", "etc", "evil", "host-outside", hostTop, "inside", "through"].sort());
    assert.equal(await readFile(join(root, "etc/passwd"), "utf8"), "not the host's");
    assert.equal(await readlink(join(root, "alink")), "/etc/shadow");
    assert.ok((await lstat(join(root, top, "outside/x"))).isFile(), "a link to a host path resolves inside the destination");
  });

  it("links hard links only to files inside the destination", async () => {
    await assert.rejects(extract(await tar([{ name: "hl", type: "link", linkname: "/etc/passwd" }])), UnsafeArchiveError);
    await assert.rejects(extract(await tar([{ name: "hl", type: "link", linkname: "../../../../etc/passwd" }])), UnsafeArchiveError);
    await assert.rejects(extract(await tar([{ name: "d/", type: "directory" }, { name: "hl", type: "link", linkname: "d" }])), UnsafeArchiveError);
    await mkdir(join(root, "etc"), { recursive: true });
    await writeFile(join(root, "etc/passwd"), "the image's own\n");
    await extract(await tar([{ name: "hl", type: "link", linkname: "/etc/passwd" }]));
    assert.equal(await readFile(join(root, "hl"), "utf8"), "the image's own\n");
  });

  it("refuses device nodes, FIFOs and whiteout names", async () => {
    await assert.rejects(extract(await tar([{ name: "dev", type: "character-device", devmajor: 1, devminor: 3 }])), /device nodes/);
    await assert.rejects(extract(await tar([{ name: "fifo", type: "fifo" }])), /FIFOs/);
    await assert.rejects(extract(await tar([{ name: "d/.wh.foo", type: "file", content: "" }])), /whiteout/);
    await assert.rejects(extract(await tar([{ name: ".wh..wh..opq", type: "file", content: "" }])), /whiteout/);
  });

  it("merges into an existing directory (taking the archive's mode) and replaces anything else in the way", async () => {
    await mkdir(join(root, "top/old"), { recursive: true });
    await mkdir(join(root, "x/y/z"), { recursive: true });
    await writeFile(join(root, "top/l"), "a file where the archive has a symlink");
    await extract(normal);
    assert.ok((await lstat(join(root, "top/old"))).isDirectory(), "merged, not replaced");
    assert.equal((await lstat(join(root, "top"))).mode & 0o7777, 0o750);
    assert.equal(await readlink(join(root, "top/l")), "f.txt");
    assert.equal(await readFile(join(root, "x/y/z"), "utf8"), "deep", "a directory replaced by the archive's file");
  });

  it("fails naming the archive on a truncated or corrupt stream", async (t) => {
    if (!hasCompressors) return t.skip(NO_COMPRESSORS);
    const file = await write("cut.tar.gz", gzipSync(normal).subarray(0, 60));
    await assert.rejects(extractArchive(file, "gzip", { root, name: "cut.tar.gz" }), (e: Error) => e instanceof UnsafeArchiveError && /cut\.tar\.gz/.test(e.message));
    const xz = await write("bad.txz", Buffer.concat([squeeze(normal, "xz").subarray(0, 40), Buffer.alloc(40, 1)]));
    await assert.rejects(extractArchive(xz, "xz", { root, name: "bad.txz" }), UnsafeArchiveError);
  });
});
