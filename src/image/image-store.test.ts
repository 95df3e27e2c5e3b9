import { describe, it, beforeEach, afterEach } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { digestOf, isBerthError, MediaType, type Descriptor } from "../oci/index.js";
import { ImageStore } from "./image-store.js";
import { removeImage, tagImage } from "./image-names.js";

let root: string;
let store: ImageStore;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "berth-images-"));
  store = new ImageStore(root);
});
afterEach(async () => rm(root, { recursive: true, force: true }));

const desc = (seed: string): Descriptor => ({ mediaType: MediaType.OciManifest, digest: digestOf(seed), size: seed.length });

describe("ImageStore names", () => {
  it("normalises names and finds images by familiar name, digest and id prefix", async () => {
    await store.setName("docker.io/library/busybox:latest", desc("a"));
    const cases: [string, number][] = [
      ["busybox", 1], ["busybox:latest", 1], ["docker.io/library/busybox:latest", 1],
      [`busybox@${digestOf("a")}`, 1], [digestOf("a").slice(7, 19), 1], [digestOf("a"), 1],
      ["busybox:other", 0], ["alpine", 0], [digestOf("b").slice(7, 19), 0], ["abc", 0],
    ];
    for (const [ref, n] of cases) assert.equal((await store.lookup(ref)).length, n, ref);
  });

  it("tags, and removes a name while other names keep the image", async () => {
    await store.setName("docker.io/library/busybox:latest", desc("a"));
    await tagImage(store, "busybox", "localhost:5000/copy:v1");
    assert.deepEqual((await store.list()).map((r) => r.name), ["docker.io/library/busybox:latest", "localhost:5000/copy:v1"]);
    await assert.rejects(removeImage(store, digestOf("a").slice(7, 19)), (e) => isBerthError(e, "FAILED_PRECONDITION"));
    assert.deepEqual(await removeImage(store, "busybox"), ["docker.io/library/busybox:latest"]);
    assert.deepEqual(await removeImage(store, digestOf("a").slice(7, 19), { force: true }), ["localhost:5000/copy:v1"]);
    assert.deepEqual(await store.list(), []);
  });

  it("refuses a tag target with a digest and a tag source that does not exist", async () => {
    await store.setName("docker.io/library/busybox:latest", desc("a"));
    await assert.rejects(tagImage(store, "busybox", `x@${digestOf("a")}`), (e) => isBerthError(e, "INVALID_ARGUMENT"));
    await assert.rejects(tagImage(store, "nothing", "x:1"), (e) => isBerthError(e, "NOT_FOUND"));
  });

  it("says so when the index file is corrupt instead of treating it as empty", async () => {
    await mkdir(join(root, "images"), { recursive: true });
    await writeFile(join(root, "images", "index.json"), "{ truncated");
    await assert.rejects(store.list(), (e) => isBerthError(e, "FAILED_PRECONDITION"));
  });

  it("loses no name when several processes tag at once", async () => {
    const child = fileURLToPath(new URL("./image-store.test-child.js", import.meta.url));
    const runs = [0, 1, 2].map((p) => new Promise<number>((resolve) => {
      fork(child, [root, String(p)], { stdio: "ignore" }).on("exit", (code) => resolve(code ?? 1));
    }));
    assert.deepEqual(await Promise.all(runs), [0, 0, 0]);
    assert.equal((await store.list()).length, 60);
  });
});

describe("ImageStore prune", () => {
  it("removes blobs no name reaches and keeps what names reach", async () => {
    const layer = await store.content.putBytes(Buffer.from("layer"));
    const config = await store.content.putBytes(Buffer.from(JSON.stringify({ architecture: "amd64", os: "linux", rootfs: { type: "layers", diff_ids: [] } })));
    const manifest = Buffer.from(JSON.stringify({
      schemaVersion: 2, mediaType: MediaType.OciManifest,
      config: { mediaType: MediaType.OciConfig, ...config }, layers: [{ mediaType: MediaType.OciLayerGzip, ...layer }],
    }));
    const m = await store.content.putBytes(manifest);
    const orphan = await store.content.putBytes(Buffer.from("orphan"));
    await store.setName("docker.io/library/x:1", { mediaType: MediaType.OciManifest, ...m });
    const r = await store.prune({ graceMs: 0 });
    assert.deepEqual(r.removed.map((b) => b.digest), [orphan.digest]);
    for (const d of [layer, config, m]) assert.equal(await store.content.hasBlob(d.digest), true);
    await removeImage(store, "x:1");
    assert.equal((await store.prune({ graceMs: 60_000 })).removed.length, 0, "blobs younger than the grace period stay");
    await store.withLease(async () => {
      const late = await store.content.putBytes(Buffer.from("stored by a pull that has not named it yet"));
      const during = await store.prune();
      assert.ok(!during.removed.some((b) => b.digest === late.digest), "a live lease protects what was stored since it began");
    });
    assert.equal((await store.prune()).removed.length, 4, "after the lease everything unnamed goes");
  });
});
