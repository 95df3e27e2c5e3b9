import { describe, it, beforeEach, afterEach } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { digestEncoded, digestOf, isBerthError, MediaType, type Descriptor, type Digest } from "../oci/index.js";
import { AmbiguousImageError } from "./ambiguous-image-error.js";
import { ImageInUseError } from "./image-in-use-error.js";
import { ImageStore } from "./image-store.js";
import { removeImage, tagImage } from "./image-names.js";
import type { ImageUser } from "./image-user.js";

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

/** Store an image without layers whose config carries `created`; returns its manifest descriptor and image id. */
async function putImage(created: string): Promise<{ target: Descriptor; id: Digest }> {
  const config = await store.content.putBytes(Buffer.from(configText(created)));
  const manifest = await store.content.putBytes(Buffer.from(JSON.stringify({
    schemaVersion: 2, mediaType: MediaType.OciManifest, config: { mediaType: MediaType.OciConfig, ...config }, layers: [],
  })));
  return { target: { mediaType: MediaType.OciManifest, ...manifest }, id: config.digest };
}
const configText = (created: string): string => JSON.stringify({ architecture: "amd64", os: "linux", created, rootfs: { type: "layers", diff_ids: [] } });

describe("ImageStore lookup by image id", () => {
  it("finds an image by its id (config digest) as `images` prints it, full, short or sha256:-prefixed, and still by manifest digest", async () => {
    const { target, id } = await putImage("2020-01-01T00:00:00Z");
    await store.setName("docker.io/library/busybox:latest", target);
    await store.setName("docker.io/library/other:1", target);
    const hex = digestEncoded(id);
    for (const ref of [hex.slice(0, 12), hex, id, `sha256:${hex.slice(0, 12)}`, hex.slice(0, 4), digestEncoded(target.digest).slice(0, 12), target.digest]) {
      assert.deepEqual((await store.lookup(ref)).map((r) => r.name), ["docker.io/library/busybox:latest", "docker.io/library/other:1"], ref);
    }
    assert.deepEqual(await store.lookup(hex.slice(0, 3)), [], "fewer than 4 hex digits is not an id, as for manifest digests");
  });

  it("refuses a prefix two images share, naming both", async () => {
    // Two configs whose digests share 4 hex digits (found by trying dates; ~300 tries on average).
    const seen = new Map<string, string>();
    let pair: [string, string] | undefined;
    for (let i = 0; pair === undefined; i++) {
      const created = new Date(i * 1000).toISOString();
      const prefix = digestEncoded(digestOf(configText(created))).slice(0, 4);
      const other = seen.get(prefix);
      if (other !== undefined) pair = [other, created];
      seen.set(prefix, created);
    }
    const a = await putImage(pair[0]);
    const b = await putImage(pair[1]);
    await store.setName("docker.io/library/a:1", a.target);
    await store.setName("docker.io/library/b:1", b.target);
    const prefix = digestEncoded(a.id).slice(0, 4);
    await assert.rejects(store.lookup(prefix), (e) => e instanceof AmbiguousImageError && isBerthError(e, "INVALID_ARGUMENT")
      && e.message.includes(a.id) && e.message.includes(b.id) && e.message.includes("docker.io/library/a:1") && e.message.includes("docker.io/library/b:1"));
    assert.deepEqual((await store.lookup(digestEncoded(b.id).slice(0, 12))).map((r) => r.name), ["docker.io/library/b:1"]);
  });
});

describe("removeImage with containers using the image", () => {
  const user = (id: Digest, state: ImageUser["state"]): ImageUser => ({ id: "c0ffee".padEnd(64, "0"), imageId: id, chainIds: [], state });

  it("refuses the last name without -f, naming the container; untags with -f; other names go freely", async () => {
    const { target, id } = await putImage("2021-01-01T00:00:00Z");
    await store.setName("docker.io/library/app:1", target);
    await store.setName("docker.io/library/app:2", target);
    const users = [user(id, "stopped")];
    assert.deepEqual(await removeImage(store, "app:1", { users }), ["docker.io/library/app:1"], "another name is left: no conflict");
    await assert.rejects(removeImage(store, "app:2", { users }), (e) => e instanceof ImageInUseError && e.conflict === "last-name" && e.message.includes("c0ffee000000"));
    assert.deepEqual(await removeImage(store, "app:2", { users, force: true }), ["docker.io/library/app:2"]);
  });

  it("by id: refused for a stopped container's image without -f, for a running one's even with -f", async () => {
    const { target, id } = await putImage("2022-01-01T00:00:00Z");
    await store.setName("docker.io/library/app:1", target);
    const short = digestEncoded(id).slice(0, 12);
    await assert.rejects(removeImage(store, short, { users: [user(id, "running")], force: true }), (e) => e instanceof ImageInUseError && e.conflict === "running");
    await assert.rejects(removeImage(store, short, { users: [user(id, "stopped")] }), (e) => e instanceof ImageInUseError && e.conflict === "stopped");
    assert.deepEqual(await removeImage(store, short, { users: [user(id, "removing")] }), ["docker.io/library/app:1"], "a container being removed holds nothing back");
  });

  it("prune keeps the config of an image only a container uses, until the container is gone", async () => {
    const { target, id } = await putImage("2023-01-01T00:00:00Z");
    await store.setName("docker.io/library/app:1", target);
    await removeImage(store, "app:1", { users: [user(id, "stopped")], force: true });
    const kept = await store.prune({ users: [user(id, "stopped")] });
    assert.ok(!kept.removed.some((b) => b.digest === id), "the container's image config stays");
    const gone = await store.prune({ users: [] });
    assert.ok(gone.removed.some((b) => b.digest === id));
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

  it("a failed operation asking for it removes the unnamed blobs it stored, unless another live lease may need them", async () => {
    const named = await store.content.putBytes(Buffer.from("named"));
    await store.setName("docker.io/library/n:1", { mediaType: MediaType.OciManifest, ...named });
    const fail = (bytes: string) => store.withLease(async () => {
      await store.content.putBytes(Buffer.from(bytes));
      await store.content.putBytes(Buffer.from("named"));
      throw new Error("import failed");
    }, { removeUnnamedOnFailure: true });
    await assert.rejects(fail("stored, then the import failed"), /import failed/);
    assert.deepEqual(await walked(), [named.digest], "what it stored went; what a name reaches stayed");
    await store.withLease(async () => {
      await assert.rejects(fail("stored while another pull runs"), /import failed/);
    });
    assert.deepEqual(await walked(), [digestOf("stored while another pull runs"), named.digest].sort(), "another live lease keeps it for prune");
  });
});

async function walked(): Promise<Digest[]> {
  const out: Digest[] = [];
  for await (const b of store.content.walk()) out.push(b.digest);
  return out.sort();
}
