// Blob uploads as pushBlob makes them: one PUT carrying the body (POST + PUT),
// the PATCH + PUT fallback for registries that refuse it, and copies from
// sources that send wrong, short or cut-off bodies.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { truncate } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { copyImage, pushImage, RegistryClient, type BlobSource, type ProgressEvent } from "../../../src/client/index.js";
import { ContentStore, DigestMismatchError, SizeMismatchError } from "../../../src/content/index.js";
import { digestOf, parseReference, type Descriptor, type Digest } from "../../../src/oci/index.js";
import type { RunningRegistry } from "../../../src/registry/index.js";
import { makeRandomBlob, type ImageFixture } from "../../fixtures/make-image.js";
import { startDistribution, type StartedDistribution } from "../../support/distribution.js";
import { tempDir, type TempDir } from "../../support/temp-dir.js";
import { makeBigLayout, needsDistribution, rawDigest, startBerth, startHttpProxy, startResetProxy, storeLayout } from "./client-fixtures.js";

const fast = { retries: 3, baseDelayMs: 5, maxDelayMs: 20 };
const MIB = 1 << 20;

/** A BlobSource of buffers in memory. */
function memorySource(blobs: readonly Buffer[]): BlobSource {
  const byDigest = new Map(blobs.map((b) => [digestOf(b), b]));
  return { readStream: async (digest) => Readable.from([byDigest.get(digest)!.subarray(0, 3 * MIB), byDigest.get(digest)!.subarray(3 * MIB)]) };
}

const descriptorOf = (b: Buffer): Descriptor => ({ mediaType: "application/octet-stream", digest: digestOf(b), size: b.length });
const uploadPath = /\/blobs\/uploads\//;

describe("blob uploads", { skip: needsDistribution }, () => {
  let tmp: TempDir;
  let berthReg: RunningRegistry;
  let peer: StartedDistribution;
  let big: ImageFixture;
  let store: ContentStore;

  before(async () => {
    tmp = await tempDir("berth-cupload-");
    berthReg = await startBerth(join(tmp.path, "berth"));
    peer = await startDistribution({ dir: join(tmp.path, "peer") });
    const layout = join(tmp.path, "layout");
    big = await makeBigLayout(layout, "big", 12 * MIB, 21);
    store = new ContentStore(join(tmp.path, "store"));
    await storeLayout(layout, store);
    await pushImage(store, big.manifest.digest as Digest, parseReference(`${berthReg.host}/src/big:1`));
  });
  after(async () => {
    await berthReg?.close();
    await peer?.stop();
    await tmp?.remove();
  });

  for (const [name, host] of [["Debian's docker-registry", () => peer.host], ["berth's registry", () => berthReg.host]] as const) {
    it(`${name} takes a 12 MiB layer in one PUT with the body: every byte sent once, committed by that PUT`, async () => {
      await using proxy = await startHttpProxy(host());
      await pushImage(store, big.manifest.digest as Digest, parseReference(`${proxy.host}/mono/big:1`));
      const layer = big.layers[0]!;
      const uploads = proxy.log.filter((r) => uploadPath.test(r.path) && r.method !== "POST");
      assert.deepEqual(uploads.map((r) => r.method), ["PUT", "PUT"], "one PUT per blob (config and layer), no PATCH");
      const put = uploads.find((r) => r.path.includes(`digest=${encodeURIComponent(layer.digest)}`) || r.path.includes(`digest=${layer.digest}`));
      assert.equal(put?.bodyBytes, layer.size);
      assert.equal(put?.status, 201);
      assert.equal(await rawDigest(`docker://${host()}/mono/big:1`), big.manifest.digest);
    });
  }

  it("falls back to PATCH + PUT when the registry refuses a PUT with a body, and keeps to it for the next blob", async () => {
    await using proxy = await startHttpProxy(peer.host, {
      refuse: (method, path, headers) => method === "PUT" && uploadPath.test(path) && Number(headers["content-length"] ?? 0) > 0,
    });
    const blobs = [makeRandomBlob(6 * MIB, 31), makeRandomBlob(5 * MIB, 32)];
    const client = new RegistryClient(proxy.host, { credentials: {}, retry: fast });
    const events: ProgressEvent[] = [];
    for (const b of blobs) {
      assert.equal(await client.pushBlob("fallback/repo", descriptorOf(b), memorySource(blobs), { onProgress: (e) => events.push(e) }), "uploaded");
    }
    const sent = proxy.log.filter((r) => uploadPath.test(r.path) && r.method !== "POST").map((r) => `${r.method} ${r.status}`);
    assert.deepEqual(sent, ["PUT 405", "PATCH 202", "PUT 201", "PATCH 202", "PUT 201"]);
    assert.equal(events.filter((e) => e.type === "blob-retry").length, 0, "a refusal is not a failed attempt");
    for (const b of blobs) assert.equal(await client.blobExists("fallback/repo", digestOf(b)), true);
  });

  it("push: a stored blob cut short fails with SizeMismatchError, the body never completes, the registry holds nothing", async () => {
    const layer = big.layers[0]!;
    const cut = new ContentStore(join(tmp.path, "cut-store"));
    await storeLayout(join(tmp.path, "layout"), cut);
    await truncate(cut.blobPath(layer.digest as Digest), 5 * MIB);
    await using proxy = await startHttpProxy(peer.host);
    await assert.rejects(
      pushImage(cut, big.manifest.digest as Digest, parseReference(`${proxy.host}/cut/big:1`), { retry: fast }),
      (e: unknown) => e instanceof SizeMismatchError && e.expected === layer.size && e.actual === 5 * MIB,
    );
    const put = proxy.log.find((r) => r.method === "PUT" && r.path.includes(layer.digest.slice(7)));
    assert.ok(put !== undefined && put.bodyBytes <= 5 * MIB, `the registry got ${put?.bodyBytes} bytes of a ${layer.size}-byte body`);
    assert.equal(await new RegistryClient(peer.host, { credentials: {} }).blobExists("cut/big", layer.digest as Digest), false);
  });

  it("copy: wrong bytes from the source fail naming the digest; the destination never gets a whole body and holds nothing", async () => {
    const layer = big.layers[0]!;
    await using source = await startHttpProxy(berthReg.host, { corrupt: { path: new RegExp(`/blobs/${layer.digest}$`), at: 7 * MIB } });
    await using dest = await startHttpProxy(peer.host);
    await assert.rejects(
      copyImage(parseReference(`${source.host}/src/big:1`), parseReference(`${dest.host}/corrupt/big:1`), { retry: fast }),
      (e: unknown) => e instanceof DigestMismatchError && e.expected === layer.digest && e.message.includes(layer.digest),
    );
    const put = dest.log.find((r) => r.method === "PUT" && r.path.includes(layer.digest.slice(7)));
    assert.ok(put !== undefined, "the layer's upload was started");
    assert.ok(put.bodyBytes < layer.size, `the registry got ${put.bodyBytes} of ${layer.size} bytes: the last chunk was held back`);
    const client = new RegistryClient(peer.host, { credentials: {} });
    assert.equal(await client.blobExists("corrupt/big", layer.digest as Digest), false);
    await assert.rejects(client.resolve("corrupt/big", "1"), /404|not found/i);
  });

  it("copy: a source that ends a blob early (clean short answer) fails with SizeMismatchError and leaves nothing", async () => {
    const layer = big.layers[0]!;
    await using source = await startHttpProxy(berthReg.host, { shorten: { path: new RegExp(`/blobs/${layer.digest}$`), bytes: 5 * MIB } });
    await assert.rejects(
      copyImage(parseReference(`${source.host}/src/big:1`), parseReference(`${peer.host}/short/big:1`), { retry: fast }),
      (e: unknown) => e instanceof SizeMismatchError && e.expected === layer.size && e.actual === 5 * MIB,
    );
    assert.equal(await new RegistryClient(peer.host, { credentials: {} }).blobExists("short/big", layer.digest as Digest), false);
  });

  it("copy: a source that cuts the connection mid-blob: the upload starts over in a new session and the copy completes", async () => {
    const layer = big.layers[0]!;
    const blobGet = new RegExp(`^GET /v2/src/big/blobs/${layer.digest} `);
    await using source = await startResetProxy(berthReg.host, blobGet, 4 * MIB);
    const events: ProgressEvent[] = [];
    const result = await copyImage(parseReference(`${source.host}/src/big:1`), parseReference(`${peer.host}/cut/big:1`), {
      retry: fast, onProgress: (e) => events.push(e),
    });
    assert.equal(source.resets, 1);
    assert.equal(source.heads.filter((h) => blobGet.test(h)).length, 2, "the layer read twice: cut, then whole");
    assert.equal(result.descriptor.digest, big.manifest.digest);
    assert.equal(await rawDigest(`docker://${peer.host}/cut/big:1`), big.manifest.digest);
    assert.ok(events.some((e) => e.type === "blob-retry" && e.digest === layer.digest), "the retry was reported");
  });
});
