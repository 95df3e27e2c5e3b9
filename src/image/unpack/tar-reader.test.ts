import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Readable } from "node:stream";
import { buffer } from "node:stream/consumers";
import { pack as tarPack } from "tar-stream";
import { isBerthError } from "../../oci/index.js";
import { readTar, type TarEntry } from "./tar-reader.js";

const MTIME = new Date(1_700_000_000_000);

/** A 512-byte ustar header with a valid checksum; `fields` are raw bytes at offsets. */
function header(name: string | Buffer, typeflag: string, size = 0, fields: [number, Buffer | string][] = []): Buffer {
  const b = Buffer.alloc(512);
  Buffer.from(name).copy(b, 0, 0, 100);
  b.write("0000644\0", 100);
  b.write("0000000\0", 108);
  b.write("0000000\0", 116);
  b.write(`${size.toString(8).padStart(11, "0")}\0`, 124);
  b.write("14524770400\0", 136);
  b.write(typeflag, 156);
  b.write("ustar\x0000", 257, "latin1");
  for (const [at, v] of fields) Buffer.from(v).copy(b, at);
  b.fill(0x20, 148, 156);
  let sum = 0;
  for (const x of b) sum += x;
  b.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148);
  return b;
}
const pad = (d: Buffer): Buffer => Buffer.concat([d, Buffer.alloc((512 - (d.length % 512)) % 512)]);
function pax(records: [string, Buffer | string][]): Buffer {
  const body = Buffer.concat(records.map(([k, v]) => {
    const rest = Buffer.concat([Buffer.from(` ${k}=`), Buffer.from(v), Buffer.from("\n")]);
    let n = rest.length + 1;
    while (String(n).length + rest.length !== n) n = String(n).length + rest.length;
    return Buffer.concat([Buffer.from(String(n)), rest]);
  }));
  return Buffer.concat([header("PaxHeader", "x", body.length), pad(body)]);
}
const END = Buffer.alloc(1024);

async function entries(tar: Buffer, chunk = 100): Promise<(Omit<TarEntry, "body"> & { data: string })[]> {
  const parts: Buffer[] = [];
  for (let i = 0; i < tar.length; i += chunk) parts.push(tar.subarray(i, i + chunk));
  const out: (Omit<TarEntry, "body"> & { data: string })[] = [];
  for await (const e of readTar(Readable.from(parts)[Symbol.asyncIterator](), { layer: "sha256:t" })) {
    const chunks: Buffer[] = [];
    for await (const c of e.body()) chunks.push(c);
    const { body: _body, ...rest } = e;
    out.push({ ...rest, data: Buffer.concat(chunks).toString("latin1") });
  }
  return out;
}

const rejectsWith = (pattern: RegExp) => (e: unknown): boolean => {
  assert.ok(isBerthError(e, "INVALID_ARGUMENT"), String(e));
  assert.match(e.message, pattern);
  return true;
};

describe("readTar", () => {
  it("skips a file's padding once when a pax or long-name header follows it (body read or not)", async () => {
    const tar = Buffer.concat([
      header("a", "0", 5), pad(Buffer.from("hello")),
      pax([["path", "caf\u00e9.crt"]]), header("ignored", "0", 3), pad(Buffer.from("abc")),
      header("././@LongLink", "L", 4), pad(Buffer.from("long")), header("short", "0", 2), pad(Buffer.from("zz")),
      END,
    ]);
    const read = await entries(tar, 100);
    assert.deepEqual(read.map((e) => [e.name, e.data]), [["a", "hello"], ["café.crt", "abc"], ["long", "zz"]]);
    const names: string[] = [];
    for await (const e of readTar(Readable.from([tar])[Symbol.asyncIterator](), { layer: "sha256:t" })) names.push(e.name);
    assert.deepEqual(names, ["a", "café.crt", "long"], "bodies left unread are skipped with their padding, once");
  });

  it("reads what tar-stream writes: types, modes, owners, times, links, long names", async () => {
    const pack = tarPack();
    const out = buffer(pack);
    const long = `${"d".repeat(120)}/${"f".repeat(120)}`;
    pack.entry({ name: "dir/", type: "directory", mode: 0o1777, mtime: MTIME });
    pack.entry({ name: "dir/file", mode: 0o4755, uid: 1000, gid: 2000, mtime: MTIME }, "content");
    pack.entry({ name: "dir/hard", type: "link", linkname: "dir/file", mtime: MTIME });
    pack.entry({ name: "dir/soft", type: "symlink", linkname: "../elsewhere", mtime: MTIME });
    pack.entry({ name: "null", type: "character-device", devmajor: 1, devminor: 3, mode: 0o666, mtime: MTIME });
    pack.entry({ name: long, mtime: MTIME }, "x".repeat(1000));
    pack.finalize();
    const got = await entries(await out, 77);
    assert.deepEqual(got.map((e) => [e.name, e.type, e.mode.toString(8), e.uid, e.gid, e.size, e.linkname, e.data.length]), [
      ["dir/", "directory", "1777", 0, 0, 0, "", 0],
      ["dir/file", "file", "4755", 1000, 2000, 7, "", 7],
      ["dir/hard", "link", "644", 0, 0, 0, "dir/file", 0],
      ["dir/soft", "symlink", "644", 0, 0, 0, "../elsewhere", 0],
      ["null", "char", "666", 0, 0, 0, "", 0],
      [long, "file", "644", 0, 0, 1000, "", 1000],
    ]);
    assert.equal(got[4]!.devmajor, 1);
    assert.equal(got[4]!.devminor, 3);
    assert.ok(got.every((e) => e.mtime === MTIME.getTime()));
  });

  it("keeps pax xattr values as bytes, applies pax uid, gid, times and size", async () => {
    const cap = Buffer.from([0x01, 0x00, 0x00, 0x02, 0xff, 0xfe, 0x80, 0x00]);
    const tar = Buffer.concat([
      pax([["SCHILY.xattr.security.capability", cap], ["uid", "4000000"], ["gid", "5"], ["mtime", "1700000000.25"], ["atime", "1700000001"], ["path", "päx/ñame"], ["size", "3"]]),
      header("short", "0", 0), pad(Buffer.from("abc")), END,
    ]);
    const [e] = await entries(tar);
    assert.equal(e!.name, "päx/ñame");
    assert.deepEqual(e!.xattrs.get("security.capability"), cap);
    assert.deepEqual([e!.uid, e!.gid, e!.mtime, e!.atime, e!.size, e!.data], [4000000, 5, 1_700_000_000_250, 1_700_000_001_000, 3, "abc"]);
  });

  it("reads GNU long names, base-256 numbers, and old directories written as files ending in /", async () => {
    const name = "n".repeat(300);
    const uid = Buffer.from([0x80, 0, 0, 0, 0, 0, 0, 0x01]);
    const tar = Buffer.concat([
      header("././@LongLink", "L", name.length + 1), pad(Buffer.from(`${name}\0`)),
      header("ignored", "0", 0, [[108, uid]]),
      header("olddir/", "\0"),
      END,
    ]);
    const got = await entries(tar);
    assert.deepEqual(got.map((e) => [e.name, e.type, e.uid]), [[name, "file", 1], ["olddir/", "directory", 0]]);
  });

  it("ignores pax global headers, as containerd does", async () => {
    const body = Buffer.from("19 path=../../evil\n");
    const tar = Buffer.concat([header("global", "g", body.length), pad(body), header("plain", "0"), END]);
    assert.deepEqual((await entries(tar)).map((e) => e.name), ["plain"]);
  });

  it("skips data that the consumer did not read, and ignores the size of header-only types", async () => {
    const tar = Buffer.concat([header("a", "0", 600), pad(Buffer.alloc(600, 1)), header("l", "2", 999, [[157, "t"]]), header("b", "0", 1), pad(Buffer.from("z")), END]);
    const names: string[] = [];
    for await (const e of readTar(Readable.from([tar])[Symbol.asyncIterator](), { layer: "t" })) names.push(`${e.name}:${e.size}`);
    assert.deepEqual(names, ["a:600", "l:0", "b:1"]);
  });

  it("stops at the end-of-archive marker without reading further", async () => {
    const src = Readable.from([Buffer.concat([header("a", "0"), END]), Buffer.from("trailing bytes the caller hashes")])[Symbol.asyncIterator]();
    const names: string[] = [];
    for await (const e of readTar(src, { layer: "t" })) names.push(e.name);
    assert.deepEqual(names, ["a"]);
    const rest = await src.next();
    assert.equal(Buffer.from(rest.value as Buffer).toString(), "trailing bytes the caller hashes");
  });

  it("accepts a stream that ends cleanly between entries without the marker (as Go does)", async () => {
    assert.deepEqual((await entries(header("a", "0"))).map((e) => e.name), ["a"]);
  });

  const bad: [string, Buffer, RegExp][] = [
    ["bad checksum", Buffer.concat([Buffer.from(header("a", "0")).fill(0x41, 0, 1), END]), /checksum does not match/],
    ["a number field with non-octal text", Buffer.concat([header("a", "0", 0, [[124, "99999999999\0"]]), END]), /size field is not an octal number/],
    ["a zero block followed by a header", Buffer.concat([Buffer.alloc(512), header("a", "0"), END]), /zero block at offset 0 is followed by data/],
    ["a truncated header", header("a", "0").subarray(0, 300), /truncated/],
    ["truncated data", Buffer.concat([header("a", "0", 1000), Buffer.alloc(600)]), /truncated/],
    ["a sparse file", Buffer.concat([header("s", "S"), END]), /GNU sparse file is not supported/],
    ["an unknown type", Buffer.concat([header("v", "V"), END]), /tar type "V" is not supported/],
    ["a pax sparse file", Buffer.concat([pax([["GNU.sparse.major", "1"]]), header("s", "0"), END]), /pax sparse file/],
    ["a malformed pax record", Buffer.concat([header("PaxHeader", "x", 10), pad(Buffer.from("99 path=x\n")), header("a", "0"), END]), /pax record length/],
    ["a pax size that is not a number", Buffer.concat([pax([["size", "-1"]]), header("a", "0"), END]), /pax size "-1"/],
    ["a NUL in a pax path", Buffer.concat([pax([["path", "a\0b"]]), header("a", "0"), END]), /NUL/],
    ["a link target over PATH_MAX", Buffer.concat([pax([["linkpath", "x".repeat(5000)]]), header("l", "2"), END]), /link target is 5000 bytes/],
  ];
  for (const [what, tar, pattern] of bad) {
    it(`refuses ${what}`, async () => {
      await assert.rejects(entries(tar), rejectsWith(pattern));
    });
  }
});
