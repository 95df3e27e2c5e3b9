import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { ContentStore } from "../content/index.js";
import { writeLayer } from "./layer-writer.js";
import { readTarEntries } from "./deb-archive.js";
import { RootfsTree } from "./rootfs-tree.js";

const LONG_SPLIT = `usr/share/${"d".repeat(90)}/${"f".repeat(90)}.txt`; // > 100 bytes: ustar prefix + name
const LONG_PAX = `usr/${"x".repeat(120)}/${"y".repeat(120)}`; // a segment pair no split fits: pax path
const UTF8 = "usr/share/ca-certificates/mozilla/NetLock_Arany_=Class_Gold=_Főtanúsítvány.crt";

function tree(): RootfsTree {
  const t = new RootfsTree();
  const add = (path: string, type: string, extra: object = {}): void => t.add({ path: `./${path}`, type, mode: 0o644, ...extra }, "t.deb");
  add("usr/bin/a", "file", { data: Buffer.from("a".repeat(513)), mode: 0o4755 });
  add("usr/bin/0link", "link", { linkname: "./usr/bin/a" }); // sorts before its target: stored as a copy
  add("usr/bin/zlink", "link", { linkname: "./usr/bin/a" });
  add("usr/bin/sym", "symlink", { linkname: "a" });
  add(UTF8, "file", { data: Buffer.from("cert\n") });
  add(LONG_SPLIT, "file", { data: Buffer.from("long") });
  add(LONG_PAX, "file", { data: Buffer.from("pax") });
  add("usr/lib/target", "symlink", { linkname: `/${"t".repeat(150)}` });
  return t;
}

describe("writeLayer", () => {
  it("is reproducible, sorted, normalised and readable by GNU tar and tar-stream", async (t) => {
    const dir = await mkdtemp(join(tmpdir(), "berth-layer-"));
    try {
      const store = new ContentStore(dir);
      const a = await writeLayer(tree().sorted(), 1_700_000_000, store);
      const b = await writeLayer(tree().sorted(), 1_700_000_000, store);
      assert.equal(a.descriptor.digest, b.descriptor.digest);
      assert.equal(a.diffId, b.diffId);
      const c = await writeLayer(tree().sorted(), 0, store);
      assert.notEqual(c.descriptor.digest, a.descriptor.digest, "the epoch is in the bytes");
      const gz = await store.readBytes(a.descriptor.digest);
      assert.deepEqual([...gz.subarray(3, 8)], [0, 0, 0, 0, 0], "gzip header: no FNAME flag, mtime 0");
      const raw = gunzipSync(gz);
      assert.equal(raw.length, a.uncompressedSize);

      const entries = await readTarEntries(raw, "layer");
      const names = entries.map((e) => e.path.replace(/\/$/, ""));
      assert.deepEqual(names, [...names].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y))));
      const byName = new Map(entries.map((e) => [e.path, e]));
      assert.equal(byName.get("usr/bin/0link")?.type, "file");
      assert.equal(byName.get("usr/bin/zlink")?.type, "link");
      assert.equal(byName.get("usr/bin/a")?.mode, 0o4755);
      assert.equal(byName.get(UTF8)?.data?.toString(), "cert\n");
      assert.equal(byName.get(LONG_SPLIT)?.data?.toString(), "long");
      assert.equal(byName.get(LONG_PAX)?.data?.toString(), "pax");
      assert.equal(byName.get("usr/lib/target")?.linkname, `/${"t".repeat(150)}`);
      assert.ok(byName.has("usr/") && byName.has("usr/share/"), "parents are entries of their own");

      const gnu = spawnSync("tar", ["--numeric-owner", "--full-time", "-tvzf", store.blobPath(a.descriptor.digest)], { encoding: "utf8" });
      assert.equal(gnu.status, 0, gnu.stderr);
      for (const line of gnu.stdout.trim().split("\n")) assert.match(line, / 0\/0 .* 2023-11-14 22:13:20 /, line);
      assert.ok(gnu.stdout.includes(LONG_PAX) && gnu.stdout.includes(UTF8));
      t.diagnostic(`${entries.length} entries, ${a.descriptor.size} bytes compressed`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
