// pushImage into empty registries (berth's, in-process, and Debian's
// docker-registry), checked with skopeo; skipping and mounting counted on the wire.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { MissingIndexEntryError, pushImage, type ProgressEvent } from "../../../src/client/index.js";
import { ContentStore } from "../../../src/content/index.js";
import { isBerthError, parseReference, type Digest } from "../../../src/oci/index.js";
import { makeBusyboxLayout, makeMultiPlatformLayout, type ImageFixture, type IndexFixture } from "../../fixtures/make-image.js";
import { startDistribution } from "../../support/distribution.js";
import { assertSucceeded } from "../../support/run.js";
import { skopeo } from "../../support/skopeo.js";
import { tempDir, type TempDir } from "../../support/temp-dir.js";
import { makeBigLayout, needsDistribution, needsSkopeo, rawDigest, RecordingTransport, startBerth, storeLayout } from "./client-fixtures.js";

const targets = [
  {
    name: "berth's registry (in-process)", skip: needsSkopeo,
    start: async (dir: string) => {
      const reg = await startBerth(join(dir, "berth"));
      return { host: reg.host, stop: () => reg.close() };
    },
  },
  {
    name: "Debian's docker-registry", skip: needsDistribution,
    start: async (dir: string) => {
      const reg = await startDistribution({ dir: join(dir, "distribution") });
      return { host: reg.host, stop: () => reg.stop() };
    },
  },
];

for (const target of targets) {
  describe(`pushImage to ${target.name}`, { skip: target.skip }, () => {
    let tmp: TempDir;
    let reg: { host: string; stop(): Promise<void> };
    let store: ContentStore;
    let busybox: ImageFixture;
    let multi: IndexFixture;
    let big: ImageFixture;

    before(async () => {
      tmp = await tempDir("berth-cpush-");
      reg = await target.start(tmp.path);
      const layout = join(tmp.path, "layout");
      busybox = await makeBusyboxLayout(layout, { tag: "latest" });
      multi = await makeMultiPlatformLayout(layout, "multi");
      big = await makeBigLayout(layout, "big", 12 << 20);
      store = new ContentStore(join(tmp.path, "store"));
      await storeLayout(layout, store);
    });
    after(async () => {
      await reg?.stop();
      await tmp?.remove();
    });

    const copyOut = async (ref: string, name: string): Promise<void> => {
      assertSucceeded(await skopeo(["copy", "--all", "--src-tls-verify=false", `docker://${ref}`, `oci:${join(tmp.path, name)}:x`], { tmpDir: tmp.path }));
    };

    it("pushes an image to an empty registry: skopeo sees the same manifest digest and can copy every blob out", async () => {
      const events: ProgressEvent[] = [];
      const result = await pushImage(store, busybox.manifest.digest as Digest, parseReference(`${reg.host}/pushed/busybox:1`), { onProgress: (e) => events.push(e) });
      assert.equal(result.descriptor.digest, busybox.manifest.digest);
      assert.equal(await rawDigest(`docker://${reg.host}/pushed/busybox:1`), busybox.manifest.digest);
      await copyOut(`${reg.host}/pushed/busybox:1`, "out-busybox");
      assert.equal(events.filter((e) => e.type === "blob-done").length, 2);
      assert.equal(events.filter((e) => e.type === "manifest-done").length, 1);
    });

    it("pushes a two-platform index: both images by digest, then the index under the tag", async () => {
      const result = await pushImage(store, multi.index.digest as Digest, parseReference(`${reg.host}/pushed/multi:1`));
      assert.equal(result.descriptor.digest, multi.index.digest);
      assert.equal(await rawDigest(`docker://${reg.host}/pushed/multi:1`), multi.index.digest);
      for (const image of multi.images) {
        assert.equal(await rawDigest(`docker://${reg.host}/pushed/multi@${image.manifest.digest}`), image.manifest.digest);
      }
      await copyOut(`${reg.host}/pushed/multi:1`, "out-multi");
    });

    it("streams a 12 MiB layer in one PUT carrying the body (POST + PUT, no PATCH)", async () => {
      await using transport = new RecordingTransport();
      await pushImage(store, big.manifest.digest as Digest, parseReference(`${reg.host}/pushed/big:1`), { transport });
      assert.equal(transport.matching("PATCH", /./).length, 0, "no PATCH");
      const puts = transport.matching("PUT", /\/blobs\/uploads\//);
      assert.equal(puts.length, 2, "one PUT per blob: the layer and the config");
      const layerPut = puts.find((r) => r.url.searchParams.get("digest") === big.layers[0]!.digest);
      assert.equal(layerPut?.headers["content-length"], String(big.layers[0]!.size));
      assert.equal(layerPut?.status, 201);
      assert.equal(await rawDigest(`docker://${reg.host}/pushed/big:1`), big.manifest.digest);
      await copyOut(`${reg.host}/pushed/big:1`, "out-big");
    });

    it("skips every blob the registry has (HEAD) and uploads nothing on a second push", async () => {
      const ref = parseReference(`${reg.host}/pushed/again:1`);
      await pushImage(store, busybox.manifest.digest as Digest, ref);
      const events: ProgressEvent[] = [];
      await using transport = new RecordingTransport();
      await pushImage(store, busybox.manifest.digest as Digest, ref, { transport, onProgress: (e) => events.push(e) });
      assert.equal(transport.matching("HEAD", /\/blobs\//).length, 2, "one HEAD per blob");
      assert.equal(transport.log.filter((r) => /\/blobs\/uploads\//.test(r.url.pathname)).length, 0, "no upload request");
      assert.equal(transport.matching("PUT", /\/manifests\//).length, 1);
      assert.equal(events.filter((e) => e.type === "blob-exists").length, 2);
    });

    it("mounts blobs from another repository of the same registry instead of uploading them", async () => {
      await pushImage(store, busybox.manifest.digest as Digest, parseReference(`${reg.host}/mount/source:1`));
      const events: ProgressEvent[] = [];
      await using transport = new RecordingTransport();
      await pushImage(store, busybox.manifest.digest as Digest, parseReference(`${reg.host}/mount/target:1`), {
        transport, mountFrom: ["mount/source"], onProgress: (e) => events.push(e),
      });
      const mounted = events.filter((e) => e.type === "blob-mounted");
      assert.equal(mounted.length, 2, JSON.stringify(events));
      assert.equal(transport.matching("PATCH", /./).length + transport.matching("PUT", /\/blobs\/uploads\//).length, 0, "nothing uploaded");
      assert.ok(transport.matching("POST", /\/blobs\/uploads\/$/).every((r) => r.url.searchParams.get("from") === "mount/source"));
      assert.equal(await rawDigest(`docker://${reg.host}/mount/target:1`), busybox.manifest.digest);
    });

    it("refuses to push an index whose entry is neither stored nor in the registry", async () => {
      const partial = new ContentStore(join(tmp.path, "partial"));
      await partial.putBytes(await store.readBytes(multi.index.digest as Digest));
      for (const d of [multi.images[1]!.manifest, multi.images[1]!.config, ...multi.images[1]!.layers]) {
        await partial.putBytes(await store.readBytes(d.digest as Digest));
      }
      await assert.rejects(pushImage(partial, multi.index.digest as Digest, parseReference(`${reg.host}/partial/multi:1`)), (e: unknown) => {
        assert.ok(isBerthError(e, "NOT_FOUND"), String(e));
        assert.match(e.message, new RegExp(multi.images[0]!.manifest.digest));
        assert.match(e.hint ?? "", /all platforms/);
        assert.match(e.hint ?? "", /berth push --platform/, "the hint names a flag that exists");
        assert.ok(e instanceof MissingIndexEntryError && e.entry.digest === multi.images[0]!.manifest.digest);
        return true;
      });
    });

    it("refuses a reference whose digest is not the manifest's", async () => {
      await assert.rejects(
        pushImage(store, busybox.manifest.digest as Digest, parseReference(`${reg.host}/pushed/busybox@${busybox.config.digest}`)),
        (e: unknown) => isBerthError(e, "INVALID_ARGUMENT"),
      );
    });
  });
}
