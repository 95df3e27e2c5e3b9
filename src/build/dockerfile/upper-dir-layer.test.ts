import { describe, it, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { chmod, link, lstat, mkdir, mkdtemp, open, readFile, rm, symlink, utimes, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { createGunzip, gunzipSync } from "node:zlib";
import { ContentStore } from "../../content/index.js";
import { readTarEntries } from "../../image/index.js";
import { isBerthError, type Digest } from "../../oci/index.js";
import { writeUpperDirLayer } from "./upper-dir-layer.js";

const isRoot = process.getuid?.() === 0;
const has = (tool: string): boolean => spawnSync(tool, ["--version"]).error === undefined;
const T0 = 1_600_000_000;

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "berth-upper-"));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

interface Entry { name: string; type: string; mode: number; uid: number; gid: number; size: number; mtime: number; linkname: string | null; data: Buffer; pax: Record<string, string> }

async function entries(store: ContentStore, digest: Digest): Promise<Entry[]> {
  const out: Entry[] = [];
  for await (const e of readTarEntries(Readable.from([await store.readBytes(digest)]).pipe(createGunzip()))) {
    const chunks: Buffer[] = [];
    for await (const c of e.body) chunks.push(Buffer.from(c));
    const h = e.header;
    out.push({
      name: h.name, type: h.type ?? "", mode: h.mode ?? 0, uid: h.uid ?? 0, gid: h.gid ?? 0, size: h.size ?? 0, mtime: (h.mtime?.getTime() ?? 0) / 1000,
      linkname: h.linkname ?? null, data: Buffer.concat(chunks), pax: (h.pax ?? {}) as Record<string, string>,
    });
  }
  return out;
}

/** A tree of every kind a non-root user can make; returns the names in sorted order. */
async function makeTree(upper: string): Promise<void> {
  await mkdir(join(upper, "a"));
  await mkdir(join(upper, "z"));
  await writeFile(join(upper, "a", "file"), "hello\n");
  await writeFile(join(upper, "a", "exe"), "#!/bin/sh\n");
  await chmod(join(upper, "a", "exe"), 0o4755);
  await writeFile(join(upper, "z", "target"), "linked\n");
  await link(join(upper, "z", "target"), join(upper, "a", "link-first"));
  await symlink("../a/file", join(upper, "sym"));
  await symlink(`/${"t".repeat(150)}`, join(upper, "long-target"));
  const long = join(upper, "long", "x".repeat(120), "y".repeat(120));
  await mkdir(join(long, ".."), { recursive: true });
  await writeFile(long, "pax");
  await writeFile(join(upper, "ünïcode"), "u");
  spawnSync("mkfifo", [join(upper, "fifo")]);
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(join(upper, "sock"), resolve));
  server.close();
  for (const p of ["a/file", "a/exe", "z/target", "ünïcode", "a", "z", "long"]) await utimes(join(upper, p), T0, T0 + 0.9);
}

describe("writeUpperDirLayer", () => {
  it("writes files, dirs, hard links, symlinks and fifos sorted by path, with modes, owners and whole-second mtimes, reproducibly", async (t) => {
    if (!has("mkfifo")) return t.skip("needs mkfifo (coreutils)");
    if (!has("getfattr")) return t.skip("needs getfattr (apt-get install attr)");
    await withDir(async (dir) => {
      const upper = join(dir, "upper");
      await mkdir(upper);
      await makeTree(upper);
      const store = new ContentStore(join(dir, "store"));
      const a = await writeUpperDirLayer(upper, store);
      const b = await writeUpperDirLayer(upper, store);
      assert.deepEqual(a, b, "same upper dir, same bytes");
      assert.equal(a.descriptor.mediaType, "application/vnd.oci.image.layer.v1.tar+gzip");
      const raw = gunzipSync(await store.readBytes(a.descriptor.digest));
      assert.equal(raw.length, a.uncompressedSize);
      assert.equal(`sha256:${createHash("sha256").update(raw).digest("hex")}`, a.diffId);
      assert.deepEqual(a.opaqueDirs, []);

      const got = await entries(store, a.descriptor.digest);
      const longName = `long/${"x".repeat(120)}/${"y".repeat(120)}`;
      assert.deepEqual(got.map((e) => `${e.type} ${e.name}${e.linkname ? ` -> ${e.linkname}` : ""}`), [
        "directory a/", "file a/exe", "file a/file", "file a/link-first", "fifo fifo", "directory long/", `symlink long-target -> /${"t".repeat(150)}`,
        `directory long/${"x".repeat(120)}/`, `file ${longName}`, "symlink sym -> ../a/file", "directory z/", "link z/target -> a/link-first", "file ünïcode",
      ]);
      const by = new Map(got.map((e) => [e.name, e]));
      const me = [process.getuid?.() ?? 0, process.getgid?.() ?? 0];
      assert.deepEqual([by.get("a/exe")!.mode, by.get("a/exe")!.uid, by.get("a/exe")!.gid], [0o4755, ...me]);
      assert.equal(by.get("a/file")!.mtime, T0, "seconds kept, fraction dropped");
      assert.equal(by.get("a/")!.mtime, T0);
      assert.equal(by.get("a/link-first")!.data.toString(), "linked\n", "the first path of the inode holds the data");
      assert.equal(by.get(longName)!.data.toString(), "pax");
      assert.equal(by.get("ünïcode")!.data.toString(), "u");
      assert.ok(!by.has("sock"), "sockets are left out");

      const gnu = spawnSync("tar", ["-tvzf", store.blobPath(a.descriptor.digest)], { encoding: "utf8" });
      assert.equal(gnu.status, 0, gnu.stderr);
      assert.equal(gnu.stderr, "", "GNU tar reads it without a warning");
    });
  });

  it("clamps mtimes to epochSeconds, keeping older ones", async (t) => {
    if (!has("getfattr")) return t.skip("needs getfattr (apt-get install attr)");
    await withDir(async (dir) => {
      const upper = join(dir, "upper");
      await mkdir(upper);
      await writeFile(join(upper, "new"), "n");
      await writeFile(join(upper, "old"), "o");
      await utimes(join(upper, "old"), T0, T0);
      const store = new ContentStore(join(dir, "store"));
      const layer = await writeUpperDirLayer(upper, store, { epochSeconds: T0 + 100 });
      const got = await entries(store, layer.descriptor.digest);
      assert.deepEqual(got.map((e) => [e.name, e.mtime]), [["new", T0 + 100], ["old", T0]]);
    });
  });

  it("refuses names a layer cannot carry: .wh.* and names that are not UTF-8", async (t) => {
    if (!has("getfattr")) return t.skip("needs getfattr (apt-get install attr)");
    await withDir(async (dir) => {
      const store = new ContentStore(join(dir, "store"));
      const wh = join(dir, "wh");
      await mkdir(join(wh, "etc"), { recursive: true });
      await writeFile(join(wh, "etc", ".wh.passwd"), "");
      await assert.rejects(writeUpperDirLayer(wh, store), (e: unknown) => isBerthError(e, "INVALID_ARGUMENT") && /"etc\/\.wh\.passwd": names starting with \.wh\./.test(e.message));
      const latin = join(dir, "latin");
      await mkdir(latin);
      await writeFile(Buffer.concat([Buffer.from(`${latin}/caf`), Buffer.from([0xe9])]), "");
      await assert.rejects(writeUpperDirLayer(latin, store), (e: unknown) => isBerthError(e, "INVALID_ARGUMENT") && /not UTF-8/.test(e.message));
    });
  });

  it("streams a 50 MB file from disk: memory stays far below its size", async (t) => {
    if (!has("getfattr")) return t.skip("needs getfattr (apt-get install attr)");
    await withDir(async (dir) => {
      const upper = join(dir, "upper");
      await mkdir(upper);
      const big = join(upper, "big");
      const fh = await open(big, "w");
      const hash = createHash("sha256");
      for (let i = 0; i < 50; i++) {
        const chunk = randomBytes(1 << 20);
        hash.update(chunk);
        await fh.write(chunk);
      }
      await fh.close();
      const store = new ContentStore(join(dir, "store"));
      const base = process.memoryUsage();
      let peak = 0;
      const timer = setInterval(() => {
        const m = process.memoryUsage();
        peak = Math.max(peak, m.arrayBuffers - base.arrayBuffers, m.rss - base.rss);
      }, 2);
      let layer;
      try {
        layer = await writeUpperDirLayer(upper, store);
      } finally {
        clearInterval(timer);
      }
      assert.ok(peak < 40 << 20, `memory grew by ${(peak / 2 ** 20).toFixed(1)} MiB for a 50 MiB file`);
      assert.ok(layer.descriptor.size > 50 << 20, "random bytes do not compress");
      const tar = createReadStream(store.blobPath(layer.descriptor.digest)).pipe(createGunzip());
      let skipped = 512;
      const back = createHash("sha256");
      let left = 50 << 20;
      for await (const c of tar as AsyncIterable<Buffer>) {
        const body = c.subarray(Math.min(skipped, c.length));
        skipped -= Math.min(skipped, c.length);
        const take = body.subarray(0, Math.min(left, body.length));
        back.update(take);
        left -= take.length;
      }
      assert.equal(back.digest("hex"), hash.digest("hex"), "the file's bytes, whole");
    });
  });

  it("as root: 0/0 devices become .wh. files, opaque dirs get .wh..wh..opq, devices and xattrs are kept, overlay's are not", async (t) => {
    if (!rootWith(t, ["mknod", "setfattr", "getfattr", "tar"])) return;
    await withDir(async (dir) => {
      const upper = join(dir, "upper");
      await mkdir(join(upper, "etc", "opaque", "inner"), { recursive: true });
      await writeFile(join(upper, "etc", "opaque", "inner", "kept"), "k");
      const sh = (cmd: string, ...args: string[]): void => {
        const r = spawnSync(cmd, args, { encoding: "utf8" });
        assert.equal(r.status, 0, `${cmd} ${args.join(" ")}: ${r.stderr}`);
      };
      sh("mknod", "-m", "0", join(upper, "etc", "gone"), "c", "0", "0");
      sh("mknod", join(upper, "tty0"), "c", "4", "0");
      sh("mknod", join(upper, "loop7"), "b", "7", "7");
      sh("setfattr", "-n", "trusted.overlay.opaque", "-v", "y", join(upper, "etc", "opaque"));
      sh("setfattr", "-n", "trusted.overlay.impure", "-v", "y", join(upper, "etc"));
      await writeFile(join(upper, "ping"), "p");
      sh("setfattr", "-n", "security.capability", "-v", "0x0100000200200000000000000000000000000000", join(upper, "ping"));
      sh("setfattr", "-n", "user.bin", "-v", "0x00ff0a3d", join(upper, "ping"));
      // A separate file: a chown on extraction would drop the capability (the kernel clears it on an owner change).
      await writeFile(join(upper, "ids"), "i");
      sh("chown", "3000000:4000000", join(upper, "ids"));
      const longName = `${"l".repeat(120)}/${"m".repeat(120)}`;
      await mkdir(join(upper, "l".repeat(120)));
      await writeFile(join(upper, longName), "long");
      sh("setfattr", "-n", "user.long", "-v", "yes", join(upper, longName));
      const store = new ContentStore(join(dir, "store"));
      const layer = await writeUpperDirLayer(upper, store);
      assert.deepEqual(layer.opaqueDirs, ["etc/opaque"]);
      const got = await entries(store, layer.descriptor.digest);
      assert.deepEqual(got.map((e) => `${e.type} ${e.name}`), [
        "directory etc/", "file etc/.wh.gone", "directory etc/opaque/", "file etc/opaque/.wh..wh..opq", "directory etc/opaque/inner/", "file etc/opaque/inner/kept",
        "file ids", `directory ${"l".repeat(120)}/`, `file ${longName}`, "block-device loop7", "file ping", "character-device tty0",
      ]);
      const by = new Map(got.map((e) => [e.name, e]));
      assert.deepEqual([by.get("etc/.wh.gone")!.mode, by.get("etc/.wh.gone")!.size], [0o600, 0]);
      assert.deepEqual([by.get("ids")!.pax.uid, by.get("ids")!.pax.gid], ["3000000", "4000000"], "ids beyond ustar's 7 octal digits go in pax");
      assert.ok(!Object.keys(by.get("etc/")!.pax).some((k) => k.includes("trusted.overlay")), "overlay's own xattrs stay out");

      const out = join(dir, "out");
      await mkdir(out);
      sh("tar", "--xattrs", "--xattrs-include=*", "--numeric-owner", "-xpzf", store.blobPath(layer.descriptor.digest), "-C", out);
      const attrs = spawnSync("getfattr", ["-d", "-m", "-", "-e", "hex", join(out, "ping")], { encoding: "utf8" }).stdout;
      assert.match(attrs, /security\.capability=0x0100000200200000000000000000000000000000/);
      assert.match(attrs, /user\.bin=0x00ff0a3d/, "binary values survive");
      const longAttrs = spawnSync("getfattr", ["-d", "-m", "-", join(out, longName)], { encoding: "utf8" }).stdout;
      assert.match(longAttrs, /user\.long="yes"/, "one pax header carries both the long path and the xattr");
      const dev = await lstat(join(out, "loop7"));
      assert.ok(dev.isBlockDevice());
      assert.equal(dev.rdev, 7 * 256 + 7);
      assert.equal(await readFile(join(out, "etc", "opaque", "inner", "kept"), "utf8"), "k");
      const ids = await lstat(join(out, "ids"));
      assert.deepEqual([ids.uid, ids.gid], [3000000, 4000000]);
    });
  });
});

function rootWith(t: TestContext, tools: readonly string[]): boolean {
  if (!isRoot) {
    t.skip("needs root (mknod, trusted xattrs)");
    return false;
  }
  const missing = tools.filter((x) => !has(x));
  if (missing.length > 0) t.skip(`needs ${missing.join(", ")} (apt-get install attr coreutils tar)`);
  return missing.length === 0;
}
