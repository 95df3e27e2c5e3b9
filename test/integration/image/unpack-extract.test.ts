import assert from "node:assert/strict";
import { after, before, describe, it, type TestContext } from "node:test";
import { chmod, lstat, mkdir, readdir, readFile, readlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { isBerthError } from "../../../src/oci/index.js";
import { extractLayer, type ExtractOptions, type ExtractResult } from "../../../src/image/unpack/index.js";
import { END, paxHeader, rawHeader, tarOf } from "../../fixtures/hostile-layers.js";
import { findTool, isRoot } from "../../support/require-root.js";
import { run } from "../../support/run.js";
import { tempDir, type TempDir } from "../../support/temp-dir.js";

const T = 1_700_000_000;

describe("extractLayer", () => {
  let dir: TempDir;
  let n = 0;
  before(async () => {
    dir = await tempDir("berth-extract-");
  });
  after(async () => dir?.remove());

  async function extract(tar: Buffer, opts: Partial<ExtractOptions> = {}, dest?: string): Promise<{ dest: string; result: ExtractResult }> {
    const d = dest ?? join(dir.path, `d${n++}`);
    await mkdir(d, { recursive: true });
    const result = await extractLayer(Readable.from([tar])[Symbol.asyncIterator](), d, { layer: "sha256:test", whiteouts: "marker", ...opts });
    return { dest: d, result };
  }

  const rootOnly = (t: TestContext): boolean => {
    if (isRoot()) return true;
    t.skip("needs root (owners, devices, trusted xattrs)");
    return false;
  };

  it("lets a later entry replace an earlier one; a directory over a directory merges", async () => {
    const { dest } = await extract(await tarOf([
      { name: "x", type: "file", data: "file first" }, { name: "x/", type: "directory", mode: 0o700 },
      { name: "d/", type: "directory" }, { name: "d/keep", type: "file", data: "kept" }, { name: "d/", type: "directory", mode: 0o711 },
      { name: "s", type: "file", data: "was a file" }, { name: "s", type: "symlink", linkname: "target" },
      { name: "y/", type: "directory" }, { name: "y/child", type: "file" }, { name: "y", type: "symlink", linkname: "d" },
    ]));
    assert.ok((await lstat(join(dest, "x"))).isDirectory());
    assert.equal((await lstat(join(dest, "x"))).mode & 0o7777, 0o700);
    assert.equal(await readFile(join(dest, "d/keep"), "utf8"), "kept");
    assert.equal((await lstat(join(dest, "d"))).mode & 0o7777, 0o711);
    assert.equal(await readlink(join(dest, "s")), "target");
    assert.equal(await readlink(join(dest, "y")), "d");
  });

  it("keeps setuid bits, hard link identity and times; directory times survive their children", async () => {
    const { dest } = await extract(await tarOf([
      { name: "bin/", type: "directory", mode: 0o755 },
      { name: "bin/su", type: "file", data: "su", mode: 0o4755 },
      { name: "bin/su-again", type: "link", linkname: "bin/su", mode: 0o4755 },
      { name: "bin/zz", type: "file", data: "later child" },
    ]));
    const su = await lstat(join(dest, "bin/su"));
    assert.equal(su.mode & 0o7777, 0o4755);
    assert.equal((await lstat(join(dest, "bin/su-again"))).ino, su.ino);
    assert.equal(Math.floor(su.mtimeMs / 1000), T);
    assert.equal(Math.floor((await lstat(join(dest, "bin"))).mtimeMs / 1000), T);
  });

  it("without privileges: no owners, devices skipped with warnings, read-only directories still filled, then closed", async () => {
    const { dest, result } = await extract(await tarOf([
      { name: "ro/", type: "directory", mode: 0o555 },
      { name: "ro/inside", type: "file", data: "x", uid: 1234, gid: 1234 },
      { name: "ro/deeper/file", type: "file", data: "y" },
      { name: "null", type: "character-device", devmajor: 1, devminor: 3 },
    ]), { privileged: false });
    assert.equal((await lstat(join(dest, "ro"))).mode & 0o7777, 0o555);
    assert.equal(await readFile(join(dest, "ro/deeper/file"), "utf8"), "y");
    assert.equal((await lstat(join(dest, "ro/inside"))).uid, process.getuid?.());
    assert.deepEqual(result.warnings.map((w) => w.entry), ["null"]);
    await assert.rejects(lstat(join(dest, "null")), { code: "ENOENT" });
    await chmod(join(dest, "ro"), 0o755); // so that a non-root cleanup can delete inside it
  });

  it("applies owners and makes devices and fifos when privileged", async (t) => {
    if (!rootOnly(t)) return;
    const { dest } = await extract(await tarOf([
      { name: "f", type: "file", data: "x", uid: 1234, gid: 4321, mode: 0o2750 },
      { name: "null", type: "character-device", devmajor: 1, devminor: 3, mode: 0o666 },
      { name: "fifo", type: "fifo", mode: 0o600 },
      { name: "link", type: "symlink", linkname: "f", uid: 7, gid: 8 },
    ]));
    const f = await lstat(join(dest, "f"));
    assert.deepEqual([f.uid, f.gid, f.mode & 0o7777], [1234, 4321, 0o2750]);
    const dev = await lstat(join(dest, "null"));
    assert.ok(dev.isCharacterDevice());
    assert.equal(dev.rdev, 259);
    assert.ok((await lstat(join(dest, "fifo"))).isFIFO());
    assert.equal((await lstat(join(dest, "link"))).uid, 7);
    const { result } = await extract(await tarOf([{ name: "null", type: "character-device", devmajor: 1, devminor: 3 }]), { allowDevices: false });
    assert.match(result.warnings[0]!.message, /not allowed/);
  });

  it("whiteouts, apply format: deletes from what is there and empties opaque directories of older entries", async () => {
    const dest = join(dir.path, `d${n++}`);
    await mkdir(join(dest, "etc"), { recursive: true });
    await mkdir(join(dest, "app/sub"), { recursive: true });
    await writeFile(join(dest, "etc/group"), "g");
    await writeFile(join(dest, "app/old"), "o");
    await extract(await tarOf([
      { name: "etc/.wh.group", type: "file" },
      { name: "app/new", type: "file", data: "n" },
      { name: "app/.wh..wh..opq", type: "file" },
    ]), { whiteouts: "apply" }, dest);
    assert.deepEqual(await readdir(join(dest, "etc")), []);
    assert.deepEqual(await readdir(join(dest, "app")), ["new"]);
  });

  it("whiteouts, marker format: kept as the empty files they are", async () => {
    const { dest } = await extract(await tarOf([{ name: "etc/.wh.group", type: "file" }, { name: "app/.wh..wh..opq", type: "file" }]));
    assert.deepEqual(await readdir(join(dest, "etc")), [".wh.group"]);
    assert.deepEqual(await readdir(join(dest, "app")), [".wh..wh..opq"]);
  });

  it("whiteouts, overlay format: 0/0 character devices and trusted.overlay.opaque", async (t) => {
    if (!rootOnly(t)) return;
    const { dest, result } = await extract(await tarOf([
      { name: "etc/.wh.group", type: "file" }, { name: "etc/.wh.shadow", type: "file" },
      { name: "app/.wh..wh..opq", type: "file" }, { name: "app/new", type: "file", data: "n" },
    ]), { whiteouts: "overlay" });
    for (const name of ["group", "shadow"]) {
      const st = await lstat(join(dest, "etc", name));
      assert.ok(st.isCharacterDevice() && st.rdev === 0, `${name} is a whiteout`);
    }
    assert.deepEqual(await readdir(join(dest, "app")), ["new"]);
    assert.deepEqual(result.opaqueDirs, ["app"]);
    assert.deepEqual(await readdir(dest), ["app", "etc"], "the whiteout template is not left in or beside the destination");
    const getfattr = findTool("getfattr");
    if (getfattr !== undefined) {
      const r = await run(getfattr, ["-n", "trusted.overlay.opaque", "--only-values", join(dest, "app")]);
      assert.equal(r.stdout, "y");
    }
  });

  it("creates a missing parent with the metadata of the same directory in a lower layer", async (t) => {
    if (!rootOnly(t)) return;
    const lower = join(dir.path, `lower${n++}`);
    await mkdir(join(lower, "home/user"), { recursive: true, mode: 0o700 });
    await run("chown", ["1000:1000", join(lower, "home/user")]);
    const { dest } = await extract(await tarOf([{ name: "home/user/.profile", type: "file", data: "p" }]), { parents: [lower] });
    const st = await lstat(join(dest, "home/user"));
    assert.deepEqual([st.mode & 0o7777, st.uid, st.gid], [0o700, 1000, 1000]);
  });

  it("writes binary xattrs byte for byte, and drops overlayfs ones", async (t) => {
    if (!rootOnly(t)) return;
    const getfattr = findTool("getfattr");
    if (getfattr === undefined) {
      t.skip("needs getfattr (Debian package attr)");
      return;
    }
    const cap = Buffer.from("0100000200200000ff00000000000000000000a0", "hex");
    const tar = Buffer.concat([
      paxHeader([["SCHILY.xattr.security.capability", cap], ["SCHILY.xattr.user.note", "hello"]]), rawHeader({ name: "ping", typeflag: "0", mode: 0o755 }),
      paxHeader([["SCHILY.xattr.trusted.overlay.redirect", "/etc"]]), rawHeader({ name: "d/", typeflag: "5", mode: 0o755 }),
      END,
    ]);
    const { dest, result } = await extract(tar);
    const r = await run(getfattr, ["-d", "-m", "-", "-e", "hex", join(dest, "ping")]);
    assert.match(r.stdout, new RegExp(`security.capability=0x${cap.toString("hex")}`));
    assert.match(r.stdout, /user.note=0x68656c6c6f/);
    assert.deepEqual(result.warnings.map((w) => w.entry), ["d/"]);
  });

  it("stops when aborted, and names the entry a write failed on", async () => {
    const ac = new AbortController();
    ac.abort();
    await assert.rejects(extract(await tarOf([{ name: "a", type: "file" }]), { signal: ac.signal }), { name: "AbortError" });
    await assert.rejects(extract(await tarOf([{ name: "f", type: "file" }, { name: "f/g", type: "file" }])), (e) => {
      assert.ok(isBerthError(e, "INVALID_ARGUMENT"));
      assert.match(e.message, /^layer sha256:test: entry "f\/g": .*not a directory/);
      return true;
    });
  });
});
