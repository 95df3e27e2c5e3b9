import { describe, it, beforeEach, afterEach } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MediaType, type Digest } from "../oci/index.js";
import { ImageStore } from "./image-store.js";
import { pruneImages, type PruneImagesResult } from "./prune-images.js";

let root: string;
let store: ImageStore;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "berth-prune-images-"));
  store = new ImageStore(root);
});
afterEach(async () => rm(root, { recursive: true, force: true }));

/** Store and name an image with one layer of its own; returns its blobs, image id first. */
async function putImage(name: string): Promise<Digest[]> {
  const layer = await store.content.putBytes(Buffer.from(`layer of ${name}`));
  const config = await store.content.putBytes(Buffer.from(JSON.stringify({
    architecture: "amd64", os: "linux", created: "2020-01-01T00:00:00Z", rootfs: { type: "layers", diff_ids: [] }, config: { Labels: { name } },
  })));
  const manifest = await store.content.putBytes(Buffer.from(JSON.stringify({
    schemaVersion: 2, mediaType: MediaType.OciManifest,
    config: { mediaType: MediaType.OciConfig, ...config }, layers: [{ mediaType: MediaType.OciLayerGzip, ...layer }],
  })));
  await store.setName(name, { mediaType: MediaType.OciManifest, ...manifest });
  return [config.digest, manifest.digest, layer.digest];
}

const perImage = (r: PruneImagesResult): [string[], Digest[]][] =>
  r.images.map((i) => [[...i.untagged], i.deleted.map((b) => b.digest).sort()]);

describe("pruneImages --all", () => {
  it("lists each image's blobs, layers included, under that image, the same in a real run as in a dry run", async () => {
    const a = await putImage("docker.io/library/a:1");
    const b = await putImage("docker.io/library/b:1");
    const expected: [string[], Digest[]][] = [[["a:1"], [...a].sort()], [["b:1"], [...b].sort()]];
    const dry = await pruneImages(store, { all: true, dryRun: true });
    assert.deepEqual(perImage(dry), expected);
    assert.deepEqual(dry.deleted, []);
    const real = await pruneImages(store, { all: true });
    assert.deepEqual(perImage(real), expected);
    assert.deepEqual(real.deleted, [], "no blob of a removed image is left to the general list");
    assert.equal(real.images[0]!.deleted[0]!.digest, a[0], "the image id comes first");
    assert.deepEqual(await store.list(), []);
  });
});
