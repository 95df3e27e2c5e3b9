// pullImage against real registries: berth's own (in-process) and Debian's
// docker-registry (CNCF distribution 2.8), with fixture images pushed in by skopeo.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { pullImage, fetchIngestRef, type ProgressEvent } from "../../../src/client/index.js";
import { ContentStore } from "../../../src/content/index.js";
import { isBerthError, parseReference, type Digest } from "../../../src/oci/index.js";
import { makeBusyboxLayout, makeMultiPlatformLayout, type ImageFixture, type IndexFixture } from "../../fixtures/make-image.js";
import { startDistribution } from "../../support/distribution.js";
import { tempDir, type TempDir } from "../../support/temp-dir.js";
import { makeBigLayout, needsDistribution, needsSkopeo, pushLayout, RecordingTransport, startBerth } from "./client-fixtures.js";

interface Target {
  readonly name: string;
  readonly skip: string | false;
  start(dir: string): Promise<{ host: string; stop(): Promise<void> }>;
}

const targets: Target[] = [
  {
    name: "berth's registry (in-process)", skip: needsSkopeo,
    start: async (dir) => {
      const reg = await startBerth(join(dir, "berth"));
      return { host: reg.host, stop: () => reg.close() };
    },
  },
  {
    name: "Debian's docker-registry", skip: needsDistribution,
    start: async (dir) => {
      const reg = await startDistribution({ dir: join(dir, "distribution") });
      return { host: reg.host, stop: () => reg.stop() };
    },
  },
];

for (const target of targets) {
  describe(`pullImage from ${target.name}`, { skip: target.skip }, () => {
    let tmp: TempDir;
    let reg: { host: string; stop(): Promise<void> };
    let busybox: ImageFixture;
    let multi: IndexFixture;
    let big: ImageFixture;
    let stores = 0;
    const freshStore = (): ContentStore => new ContentStore(join(tmp.path, `store-${++stores}`));

    before(async () => {
      tmp = await tempDir("berth-cpull-");
      reg = await target.start(tmp.path);
      const layout = join(tmp.path, "layout");
      busybox = await makeBusyboxLayout(layout, { tag: "latest" });
      multi = await makeMultiPlatformLayout(layout, "multi");
      big = await makeBigLayout(layout, "big", 12 << 20);
      await pushLayout(layout, "latest", `${reg.host}/fixtures/busybox:latest`, tmp.path);
      await pushLayout(layout, "multi", `${reg.host}/fixtures/multi:1`, tmp.path);
      await pushLayout(layout, "big", `${reg.host}/fixtures/big:1`, tmp.path);
    });
    after(async () => {
      await reg?.stop();
      await tmp?.remove();
    });

    it("pulls the busybox fixture: manifest, config and layer stored, every blob re-hashes to its digest", async () => {
      const store = freshStore();
      const events: ProgressEvent[] = [];
      await using transport = new RecordingTransport();
      const result = await pullImage(parseReference(`${reg.host}/fixtures/busybox:latest`), store, { transport, onProgress: (e) => events.push(e) });
      assert.equal(result.descriptor.digest, busybox.manifest.digest);
      assert.equal(result.index, undefined);
      assert.equal(result.images.length, 1);
      assert.equal(result.images[0]!.config.digest, busybox.config.digest);
      assert.deepEqual(result.images[0]!.layers.map((l) => l.digest), busybox.layers.map((l) => l.digest));
      for (const d of [busybox.manifest.digest, busybox.config.digest, ...busybox.layers.map((l) => l.digest)] as Digest[]) {
        assert.equal(await store.verify(d), d, `${d} stored and verified`);
      }
      assert.deepEqual(await store.listIngests(), [], "no ingest left behind");
      const done = events.filter((e) => e.type === "blob-done").map((e) => (e as { digest: string }).digest).sort();
      assert.deepEqual(done, [busybox.config.digest, busybox.layers[0]!.digest].sort());
      assert.ok(events.some((e) => e.type === "resolve"), "a resolve event");
      assert.ok(events.some((e) => e.type === "blob-bytes"), "byte events");
      const accept = transport.matching("GET", /\/manifests\//)[0]?.headers.accept ?? "";
      for (const mt of ["oci.image.manifest", "oci.image.index", "docker.distribution.manifest.v2", "docker.distribution.manifest.list.v2"]) {
        assert.ok(accept.includes(mt), `Accept lists ${mt}: ${accept}`);
      }
    });

    it("pulls again without fetching a blob: every blob is reported as existing", async () => {
      const store = freshStore();
      await pullImage(parseReference(`${reg.host}/fixtures/busybox:latest`), store);
      const events: ProgressEvent[] = [];
      await using transport = new RecordingTransport();
      await pullImage(parseReference(`${reg.host}/fixtures/busybox:latest`), store, { transport, onProgress: (e) => events.push(e) });
      assert.equal(transport.matching("GET", /\/blobs\//).length, 0, "no blob GET");
      assert.equal(events.filter((e) => e.type === "blob-exists").length, 2);
    });

    it("pulls by digest", async () => {
      const store = freshStore();
      const result = await pullImage(parseReference(`${reg.host}/fixtures/busybox@${busybox.manifest.digest}`), store);
      assert.equal(result.descriptor.digest, busybox.manifest.digest);
      assert.ok(await store.hasBlob(busybox.layers[0]!.digest as Digest));
    });

    it("pulls one platform of a two-platform index: linux/arm64 only", async () => {
      const store = freshStore();
      const [amd64, arm64] = multi.images;
      const result = await pullImage(parseReference(`${reg.host}/fixtures/multi:1`), store, { platform: { os: "linux", architecture: "arm64" } });
      assert.equal(result.descriptor.digest, multi.index.digest);
      assert.equal(result.index?.manifests.length, 2);
      assert.equal(result.images.length, 1);
      assert.equal(result.images[0]!.descriptor.digest, arm64!.manifest.digest);
      assert.equal(result.images[0]!.platform?.architecture, "arm64");
      assert.ok(await store.hasBlob(multi.index.digest as Digest), "the index is stored");
      assert.ok(await store.hasBlob(arm64!.layers[0]!.digest as Digest));
      assert.equal(await store.hasBlob(amd64!.layers[0]!.digest as Digest), false, "the amd64 layer is not fetched");
      assert.equal(await store.hasBlob(amd64!.manifest.digest as Digest), false);
    });

    it("pulls every platform with allPlatforms", async () => {
      const store = freshStore();
      const result = await pullImage(parseReference(`${reg.host}/fixtures/multi:1`), store, { allPlatforms: true });
      assert.deepEqual(result.images.map((i) => i.platform?.architecture), ["amd64", "arm64"]);
      for (const image of multi.images) {
        for (const d of [image.manifest, image.config, ...image.layers]) assert.equal(await store.verify(d.digest as Digest), d.digest);
      }
    });

    it("refuses a platform the index lacks, naming the ones it has", async () => {
      await assert.rejects(
        pullImage(parseReference(`${reg.host}/fixtures/multi:1`), freshStore(), { platform: { os: "linux", architecture: "s390x" } }),
        (e: unknown) => isBerthError(e, "NOT_FOUND") && /linux\/s390x/.test(e.message) && /linux\/amd64/.test(e.message) && /linux\/arm64/.test(e.message),
      );
    });

    it("streams a 12 MiB layer into the store, verified", async () => {
      const store = freshStore();
      const result = await pullImage(parseReference(`${reg.host}/fixtures/big:1`), store, { concurrency: 1 });
      const layer = result.images[0]!.layers[0]!;
      assert.equal(layer.digest, big.layers[0]!.digest);
      assert.equal(await store.verify(layer.digest), layer.digest);
      assert.equal(await store.hasIngest(fetchIngestRef(layer.digest)), false);
    });

    it("says NOT_FOUND for an unknown tag, naming the request and the registry's code", async () => {
      await assert.rejects(pullImage(parseReference(`${reg.host}/fixtures/busybox:nope`), freshStore()), (e: unknown) => {
        assert.ok(isBerthError(e, "NOT_FOUND"), String(e));
        assert.match(e.message, /^GET http:\/\/127\.0\.0\.1:\d+\/v2\/fixtures\/busybox\/manifests\/nope: 404 Not Found: MANIFEST_UNKNOWN/);
        return true;
      });
    });
  });
}
