// RegistryClient's composable operations against berth's registry
// (in-process) and Debian's docker-registry: resolve, tags, blobs, manifests.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { pullImage, pushImage, RegistryClient } from "../../../src/client/index.js";
import { ContentStore } from "../../../src/content/index.js";
import { digestOf, isBerthError, MediaType, parseReference, type Digest } from "../../../src/oci/index.js";
import type { ImageFixture } from "../../fixtures/make-image.js";
import { startDistribution } from "../../support/distribution.js";
import { missingTools } from "../../support/require-root.js";
import { tempDir, type TempDir } from "../../support/temp-dir.js";
import { makeBigLayout, RecordingTransport, startBerth, storeLayout } from "./client-fixtures.js";

const targets = [
  {
    name: "berth's registry (in-process)", skip: false as const, pagesTags: true,
    start: async (dir: string) => {
      const reg = await startBerth(join(dir, "berth"));
      return { host: reg.host, stop: () => reg.close() };
    },
  },
  {
    // distribution 2.8 ignores `n` on tag lists and answers one page.
    name: "Debian's docker-registry", pagesTags: false, skip: missingTools(["docker-registry"]).length > 0 ? "needs docker-registry: apt-get install docker-registry" : false,
    start: async (dir: string) => {
      const reg = await startDistribution({ dir: join(dir, "distribution") });
      return { host: reg.host, stop: () => reg.stop() };
    },
  },
];

for (const target of targets) {
  describe(`RegistryClient against ${target.name}`, { skip: target.skip }, () => {
    let tmp: TempDir;
    let reg: { host: string; stop(): Promise<void> };
    let image: ImageFixture;
    let transport: RecordingTransport;
    let client: RegistryClient;
    const tags = ["a", "b", "c", "d", "e"];

    before(async () => {
      tmp = await tempDir("berth-cclient-");
      reg = await target.start(tmp.path);
      const layout = join(tmp.path, "layout");
      image = await makeBigLayout(layout, "img", 200_000);
      const store = new ContentStore(join(tmp.path, "source"));
      await storeLayout(layout, store);
      for (const tag of tags) await pushImage(store, image.manifest.digest as Digest, parseReference(`${reg.host}/c/img:${tag}`));
      transport = new RecordingTransport();
      client = new RegistryClient(reg.host, { credentials: {}, transport });
    });
    after(async () => {
      await transport?.close();
      await reg?.stop();
      await tmp?.remove();
    });

    it("pings", async () => {
      await client.ping();
    });

    it("resolves a tag with one HEAD", async () => {
      const before = transport.log.length;
      const d = await client.resolve("c/img", "a");
      assert.deepEqual(d, { mediaType: MediaType.OciManifest, digest: image.manifest.digest, size: image.manifest.size });
      assert.deepEqual(transport.log.slice(before).map((r) => r.method), ["HEAD"]);
    });

    it("says NOT_FOUND for an unknown tag, with the registry's code from the GET that follows the HEAD", async () => {
      await assert.rejects(client.resolve("c/img", "nope"), (e: unknown) => isBerthError(e, "NOT_FOUND") && /MANIFEST_UNKNOWN/.test(e.message));
    });

    it("lists every tag across pages", async () => {
      const before = transport.log.length;
      assert.deepEqual((await client.listTags("c/img", { pageSize: 2 })).sort(), tags);
      if (target.pagesTags) assert.ok(transport.log.length - before >= 3, "followed the Link header");
    });

    it("tells whether a blob exists", async () => {
      assert.equal(await client.blobExists("c/img", image.layers[0]!.digest as Digest), true);
      assert.equal(await client.blobExists("c/img", digestOf("absent")), false);
    });

    it("pushes a Docker schema2 manifest and fetches it back byte for byte with its media type", async () => {
      const bytes = Buffer.from(JSON.stringify({
        schemaVersion: 2, mediaType: MediaType.DockerManifest,
        config: { ...image.config, mediaType: MediaType.DockerConfig },
        layers: image.layers.map((l) => ({ ...l, mediaType: MediaType.DockerLayerGzip })),
      }));
      const pushed = await client.pushManifest("c/img", "docker", bytes, MediaType.DockerManifest);
      assert.equal(pushed.digest, digestOf(bytes));
      const fetched = await client.fetchManifest("c/img", "docker");
      assert.deepEqual(fetched.bytes, bytes);
      assert.equal(fetched.descriptor.mediaType, MediaType.DockerManifest);
      assert.equal(fetched.descriptor.digest, pushed.digest);
    });

    it("pulls through a Docker manifest list to a schema2 manifest", async () => {
      const fetched = await client.fetchManifest("c/img", "docker");
      const list = Buffer.from(JSON.stringify({
        schemaVersion: 2, mediaType: MediaType.DockerManifestList,
        manifests: [{ ...fetched.descriptor, platform: { os: "linux", architecture: "amd64" } }],
      }));
      await client.pushManifest("c/img", "docker-list", list, MediaType.DockerManifestList);
      const store = new ContentStore(join(tmp.path, "docker-list"));
      const result = await pullImage(parseReference(`${reg.host}/c/img:docker-list`), store, { transport, credentials: async () => ({}), platform: { os: "linux", architecture: "amd64" } });
      assert.equal(result.descriptor.mediaType, MediaType.DockerManifestList);
      assert.equal(result.images[0]!.descriptor.mediaType, MediaType.DockerManifest);
      assert.equal(await store.verify(image.layers[0]!.digest as Digest), image.layers[0]!.digest);
    });

    it("fetches one blob once when two callers ask for it at the same time", async () => {
      const store = new ContentStore(join(tmp.path, "dedupe"));
      const before = transport.matching("GET", /\/blobs\//).length;
      const d = { ...image.layers[0]!, digest: image.layers[0]!.digest as Digest };
      const [a, b] = await Promise.all([client.fetchBlob("c/img", d, store), client.fetchBlob("c/img", d, store)]);
      assert.deepEqual(a, b);
      assert.equal(transport.matching("GET", /\/blobs\//).length - before, 1);
    });

    it("deletes a manifest by digest", async () => {
      const bytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.OciManifest, config: image.config, layers: [], annotations: { x: "delete-me" } }));
      const d = await client.pushManifest("c/img", "doomed", bytes, MediaType.OciManifest);
      await client.deleteManifest("c/img", d.digest);
      await assert.rejects(client.fetchManifest("c/img", d.digest), (e: unknown) => isBerthError(e, "NOT_FOUND"));
    });

    it("refuses names and references that would not be valid in a URL", async () => {
      await assert.rejects(client.resolve("../etc", "a"), (e: unknown) => isBerthError(e, "INVALID_ARGUMENT"));
      await assert.rejects(client.resolve("c/img", "a/../../b"), (e: unknown) => isBerthError(e, "INVALID_ARGUMENT"));
      await assert.rejects(client.fetchManifest("C/Img", "a"), (e: unknown) => isBerthError(e, "INVALID_ARGUMENT"));
    });
  });
}
