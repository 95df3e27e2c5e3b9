import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { lstat, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { setTimeout as sleep } from "node:timers/promises";
import { ContentStore } from "../../../src/content/index.js";
import { isBerthError, MediaType, parseDigest, type Descriptor, type Digest } from "../../../src/oci/index.js";
import { chainIds, SnapshotStore, unpackImage, type UnpackProgress } from "../../../src/image/unpack/index.js";
import { tarOf } from "../../fixtures/hostile-layers.js";
import { waitForExit } from "../../support/process.js";
import { tempDir, type TempDir } from "../../support/temp-dir.js";

const sha256 = (b: Buffer): Digest => parseDigest(`sha256:${createHash("sha256").update(b).digest("hex")}`);

interface Layer {
  readonly desc: Descriptor;
  readonly diffId: Digest;
}

async function layer(content: ContentStore, files: Record<string, string>): Promise<Layer> {
  const tar = await tarOf(Object.entries(files).map(([name, data]) => ({ name, type: "file" as const, data })));
  const gz = gzipSync(tar);
  const { digest } = await content.putBytes(gz);
  return { desc: { mediaType: MediaType.OciLayerGzip, digest, size: gz.length }, diffId: sha256(tar) };
}

describe("unpackImage", () => {
  let dir: TempDir;
  let n = 0;
  const fresh = (): string => join(dir.path, `root${n++}`);
  before(async () => {
    dir = await tempDir("berth-unpack-image-");
  });
  after(async () => dir?.remove());

  it("shares the base snapshot between two images unpacked at once", async () => {
    const root = fresh();
    const content = new ContentStore(join(root, "content"));
    const base = await layer(content, { "etc/os-release": "base\n" });
    const a = await layer(content, { "app/a": "a\n" });
    const b = await layer(content, { "app/b": "b\n" });
    const snapshots = await SnapshotStore.open(join(root, "snapshots"));
    const events: UnpackProgress[] = [];
    const [ra, rb] = await Promise.all([
      unpackImage(content, [base.desc, a.desc], [base.diffId, a.diffId], snapshots, { onProgress: (p) => events.push(p) }),
      unpackImage(content, [base.desc, b.desc], [base.diffId, b.diffId], snapshots, { onProgress: (p) => events.push(p) }),
    ]);
    assert.equal(ra.chainIds[0], rb.chainIds[0]);
    assert.deepEqual(ra.chainIds, chainIds([base.diffId, a.diffId]));
    assert.equal((await snapshots.list()).length, 3);
    assert.deepEqual((await snapshots.chain(rb.chainId)).map((s) => s.diffId), [b.diffId, base.diffId]);
    assert.equal(await readFile(join(snapshots.fsDir(ra.chainIds[0]!), "etc/os-release"), "utf8"), "base\n");
    const later = await unpackImage(content, [base.desc, a.desc], [base.diffId, a.diffId], snapshots, { onProgress: (p) => events.push(p) });
    assert.equal(later.unpacked, 0);
    assert.ok(events.some((e) => e.status === "present"));
  });

  it("refuses a layer media type it cannot unpack, and a layer count that does not match the diffIDs", async () => {
    const root = fresh();
    const content = new ContentStore(join(root, "content"));
    const l = await layer(content, { f: "x" });
    const snapshots = await SnapshotStore.open(join(root, "snapshots"));
    await assert.rejects(unpackImage(content, [{ ...l.desc, mediaType: "application/x-tar+bzip2" }], [l.diffId], snapshots), (e) => {
      assert.ok(isBerthError(e, "INVALID_ARGUMENT"));
      assert.match(e.message, new RegExp(`layer ${l.desc.digest}: media type "application/x-tar\\+bzip2"`));
      return true;
    });
    await assert.rejects(unpackImage(content, [l.desc], [l.diffId, l.diffId], snapshots), /1 layers but its config lists 2 diff_ids/);
    assert.deepEqual(await snapshots.list(), []);
  });

  it("keeps the layers below a failing one, and unpacks the rest once the blob is fixed", async () => {
    const root = fresh();
    const content = new ContentStore(join(root, "content"));
    const base = await layer(content, { f: "x" });
    const top = await layer(content, { g: "y" });
    const snapshots = await SnapshotStore.open(join(root, "snapshots"));
    const wrong = sha256(Buffer.from("wrong"));
    await assert.rejects(unpackImage(content, [base.desc, top.desc], [base.diffId, wrong], snapshots), /expected sha256:/);
    assert.deepEqual((await snapshots.list()).map((s) => s.chainId), [base.diffId]);
    const done = await unpackImage(content, [base.desc, top.desc], [base.diffId, top.diffId], snapshots);
    assert.equal(done.unpacked, 1);
  });

  it("extracts layers at once; a parent directory a layer lacks takes the metadata of the layer below, though that one ends last", async () => {
    const root = fresh();
    const content = new ContentStore(join(root, "content"));
    const mtime = new Date("2001-02-03T04:05:06Z");
    const asRoot = process.getuid?.() === 0;
    // The base is slow (8 MiB of random data) so the top layer ends first and must wait for it.
    const baseTar = await tarOf([
      { name: "opt/", type: "directory", mode: 0o755 },
      { name: "opt/app/", type: "directory", mode: 0o750, uid: 1234, gid: 4321, mtime },
      { name: "opt/big", type: "file", data: randomBytes(8 << 20) },
    ]);
    const topTar = await tarOf([{ name: "opt/app/conf", type: "file", data: "conf\n" }]);
    const put = async (tar: Buffer): Promise<Layer> => {
      const gz = gzipSync(tar);
      return { desc: { mediaType: MediaType.OciLayerGzip, digest: (await content.putBytes(gz)).digest, size: gz.length }, diffId: sha256(tar) };
    };
    const [base, top] = [await put(baseTar), await put(topTar)];
    const snapshots = await SnapshotStore.open(join(root, "snapshots"));
    const events: string[] = [];
    const r = await unpackImage(content, [base.desc, top.desc], [base.diffId, top.diffId], snapshots, {
      concurrency: 2, onProgress: (p) => events.push(`${p.index}:${p.status}`),
    });
    assert.equal(r.unpacked, 2);
    assert.ok(events.indexOf("1:unpacking") < events.indexOf("0:unpacked"), `both layers were extracted at once: ${events.join(" ")}`);
    assert.deepEqual(events.filter((e) => e.endsWith("unpacked")), ["0:unpacked", "1:unpacked"], "committed base first");
    const st = await lstat(join(snapshots.fsDir(r.chainId), "opt/app"));
    assert.equal(st.mode & 0o7777, 0o750);
    assert.equal(st.mtimeMs, mtime.getTime());
    if (asRoot) assert.deepEqual([st.uid, st.gid], [1234, 4321]);
    assert.equal(await readFile(join(snapshots.fsDir(r.chainId), "opt/app/conf"), "utf8"), "conf\n");
  });

  it("makes nothing visible until every layer is filled, then commits them base first", async () => {
    const root = fresh();
    const content = new ContentStore(join(root, "content"));
    const base = await layer(content, { "etc/base": "b" });
    const top = await layer(content, { "etc/top": "t" });
    const snapshots = await SnapshotStore.open(join(root, "snapshots"));
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    // The top layer's blob arrives only after the test has looked at the store.
    const slow = {
      readStream: async (digest: Digest) => {
        if (digest === top.desc.digest) await gate;
        return content.readStream(digest);
      },
    };
    const unpacking = unpackImage(slow, [base.desc, top.desc], [base.diffId, top.diffId], snapshots, { concurrency: 2 });
    const deadline = Date.now() + 10_000;
    // Wait for the base's draft to be complete (its meta.json written), then look.
    let sawDraft = false;
    while (!sawDraft && Date.now() < deadline) {
      const temps = (await readdir(snapshots.dir)).filter((x) => x.startsWith(".tmp-"));
      const filled = await Promise.all(temps.map((t) => readFile(join(snapshots.dir, t, "meta.json")).then(() => true, () => false)));
      sawDraft = filled.some(Boolean);
      if (!sawDraft) await sleep(5);
    }
    const seenWhileFilling = (await snapshots.list()).map((s) => s.chainId);
    release();
    assert.ok(sawDraft, "the base layer's draft was filled while the top layer waited for its blob");
    const r = await unpackImage(content, [base.desc, top.desc], [base.diffId, top.diffId], snapshots).then(async (again) => ({ again, first: await unpacking }));
    assert.deepEqual(seenWhileFilling, [], "the base was not committed while the top layer was still being filled");
    assert.equal(r.first.unpacked, 2);
    assert.equal(r.again.unpacked, 0, "a second call waited for the first one's drafts");
    assert.deepEqual((await snapshots.list()).map((s) => s.chainId).sort(), [...r.first.chainIds].sort());
    assert.deepEqual((await readdir(snapshots.dir)).filter((x) => x.startsWith(".tmp-") || x.startsWith(".rm-")), [], "no temp dirs left");
  });

  it("waits for each layer's blob through layerReady; a layer whose blob never comes fails, the ones below commit", async () => {
    const root = fresh();
    const content = new ContentStore(join(root, "content"));
    const ls = [await layer(content, { a: "a" }), await layer(content, { b: "b" }), await layer(content, { c: "c" })];
    const snapshots = await SnapshotStore.open(join(root, "snapshots"));
    const asked: number[] = [];
    let release: () => void = () => undefined;
    const second = new Promise<void>((r) => (release = r));
    let finished = false;
    const unpacking = unpackImage(content, ls.map((l) => l.desc), ls.map((l) => l.diffId), snapshots, {
      layerReady: async (i, desc) => {
        asked.push(i);
        assert.equal(desc.digest, ls[i]!.desc.digest);
        if (i === 1) await second;
        if (i === 2) throw new Error("download of layer 2 failed");
      },
    }).finally(() => (finished = true));
    await sleep(200);
    assert.equal(finished, false, "waits while layer 1's blob is missing");
    assert.deepEqual(await snapshots.list(), []);
    release();
    await assert.rejects(unpacking, /download of layer 2 failed/);
    // Layers are filled concurrently: each is asked for once, in no promised order.
    assert.deepEqual([...asked].sort(), [0, 1, 2]);
    assert.deepEqual((await snapshots.list()).map((s) => s.diffId).sort(), [ls[0]!.diffId, ls[1]!.diffId].sort());
    assert.deepEqual((await readdir(snapshots.dir)).filter((x) => x.startsWith(".tmp-") || x.startsWith(".rm-")), [], "no temp dirs left");
  });

  it("survives kill -9 in the middle of unpacking: the next open removes the half-written snapshot", async () => {
    const root = fresh();
    const content = new ContentStore(join(root, "content"));
    const files: Record<string, string> = {};
    for (let i = 0; i < 3000; i++) files[`data/${i}`] = `${i}`.repeat(2000);
    const big = await layer(content, files);
    const module = fileURLToPath(new URL("../../../src/image/unpack/index.js", import.meta.url));
    const contentModule = fileURLToPath(new URL("../../../src/content/index.js", import.meta.url));
    const script = join(root, "unpack.mjs");
    await writeFile(script, `
      import { SnapshotStore, unpackImage } from ${JSON.stringify(module)};
      import { ContentStore } from ${JSON.stringify(contentModule)};
      const snapshots = await SnapshotStore.open(${JSON.stringify(join(root, "snapshots"))});
      await unpackImage(new ContentStore(${JSON.stringify(join(root, "content"))}), [${JSON.stringify(big.desc)}], [${JSON.stringify(big.diffId)}], snapshots);
      console.log("finished");`);
    const child = spawn(process.execPath, [script], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    try {
      const snapDir = join(root, "snapshots");
      const deadline = Date.now() + 30_000;
      let seen = false;
      while (!seen && Date.now() < deadline && child.exitCode === null) {
        const names = await readdir(snapDir).catch(() => [] as string[]);
        const temp = names.find((x) => x.startsWith(".tmp-") && !x.includes("probe"));
        // Extraction has begun once the layer's first directory exists.
        seen = temp !== undefined && (await readdir(join(snapDir, temp, "fs")).catch(() => [] as string[])).includes("data");
        if (!seen) await sleep(5);
      }
      assert.ok(seen, `the child started a snapshot (output: ${out})`);
      await sleep(100);
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGKILL");
      assert.ok(await waitForExit(child.pid!, 10_000));
      await exited;
      assert.doesNotMatch(out, /finished/, "killed before it finished");
      const left = await readdir(snapDir);
      assert.ok(left.some((x) => x.startsWith(".tmp-")), `a temp dir was left: ${left.join(", ")}`);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
    const snapshots = await SnapshotStore.open(join(root, "snapshots"));
    const proc = await readFile(`/proc/${child.pid}/stat`, "utf8").catch(() => "gone");
    assert.deepEqual((await readdir(snapshots.dir)).filter((n) => n !== ".format"), [], `the next open removed the dead process's temp dir (child ${child.pid}: ${proc}; us: ${process.pid})`);
    const r = await unpackImage(content, [big.desc], [big.diffId], snapshots);
    assert.equal(r.unpacked, 1);
    assert.equal((await readdir(join(snapshots.fsDir(r.chainId), "data"))).length, 3000);
  });
});
