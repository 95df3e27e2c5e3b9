// copyImage registry to registry without a local store: berth's registry
// (in-process) and Debian's docker-registry, across hosts and within one host (mounts).
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { copyImage, type ProgressEvent } from "../../../src/client/index.js";
import { parseReference } from "../../../src/oci/index.js";
import { makeMultiPlatformLayout, type ImageFixture, type IndexFixture } from "../../fixtures/make-image.js";
import { startDistribution, type StartedDistribution } from "../../support/distribution.js";
import { assertSucceeded } from "../../support/run.js";
import { skopeo } from "../../support/skopeo.js";
import { tempDir, type TempDir } from "../../support/temp-dir.js";
import type { RunningRegistry } from "../../../src/registry/index.js";
import { makeBigLayout, needsDistribution, pushLayout, rawDigest, RecordingTransport, startBerth, startHttpProxy } from "./client-fixtures.js";

describe("copyImage", { skip: needsDistribution }, () => {
  let tmp: TempDir;
  let berthReg: RunningRegistry;
  let peer: StartedDistribution;
  let multi: IndexFixture;
  let big: ImageFixture;

  before(async () => {
    tmp = await tempDir("berth-ccopy-");
    berthReg = await startBerth(join(tmp.path, "berth"));
    peer = await startDistribution({ dir: join(tmp.path, "peer") });
    const layout = join(tmp.path, "layout");
    multi = await makeMultiPlatformLayout(layout, "multi");
    big = await makeBigLayout(layout, "big", 12 << 20);
    await pushLayout(layout, "multi", `${berthReg.host}/src/multi:1`, tmp.path);
    await pushLayout(layout, "big", `${berthReg.host}/src/big:1`, tmp.path);
  });
  after(async () => {
    await berthReg?.close();
    await peer?.stop();
    await tmp?.remove();
  });

  it("copies a two-platform index from berth to distribution: same digests, every blob streamed across", async () => {
    const events: ProgressEvent[] = [];
    const result = await copyImage(parseReference(`${berthReg.host}/src/multi:1`), parseReference(`${peer.host}/dst/multi:1`), { onProgress: (e) => events.push(e) });
    assert.equal(result.descriptor.digest, multi.index.digest);
    assert.equal(await rawDigest(`docker://${peer.host}/dst/multi:1`), multi.index.digest);
    for (const image of multi.images) assert.equal(await rawDigest(`docker://${peer.host}/dst/multi@${image.manifest.digest}`), image.manifest.digest);
    assert.equal(events.filter((e) => e.type === "blob-done").length, 4, "2 configs and 2 layers uploaded");
    assertSucceeded(await skopeo(["copy", "--all", "--src-tls-verify=false", `docker://${peer.host}/dst/multi:1`, `oci:${join(tmp.path, "out-multi")}:x`], { tmpDir: tmp.path }));
  });

  it("copies a 12 MiB layer from distribution back to berth, streamed from the GET into one PUT", async () => {
    await copyImage(parseReference(`${berthReg.host}/src/big:1`), parseReference(`${peer.host}/dst/big:1`));
    await using transport = new RecordingTransport();
    await copyImage(parseReference(`${peer.host}/dst/big:1`), parseReference(`${berthReg.host}/back/big:1`), { transport });
    assert.equal(transport.matching("PATCH", /./).length, 0);
    const layerPut = transport.matching("PUT", /\/blobs\/uploads\//).find((r) => r.url.searchParams.get("digest") === big.layers[0]!.digest);
    assert.equal(layerPut?.headers["content-length"], String(big.layers[0]!.size));
    assert.equal(transport.matching("GET", new RegExp(`/blobs/${big.layers[0]!.digest}$`)).length, 1, "the layer read once");
    assert.equal(await rawDigest(`docker://${berthReg.host}/back/big:1`), big.manifest.digest);
  });

  it("on its own transport (the pooled read), uploads the 12 MiB layer as one PUT with a Content-Length and no chunked encoding", async () => {
    // distribution parses a chunked body at extra CPU cost; the size is known from the descriptor.
    await copyImage(parseReference(`${berthReg.host}/src/big:1`), parseReference(`${peer.host}/wire/big:1`));
    await using proxy = await startHttpProxy(berthReg.host);
    await copyImage(parseReference(`${peer.host}/wire/big:1`), parseReference(`${proxy.host}/wire/big:1`));
    const layer = big.layers[0]!;
    const uploads = proxy.log.filter((r) => r.path.includes("/blobs/uploads/") && r.method !== "POST");
    assert.deepEqual(uploads.map((r) => r.method), ["PUT", "PUT"], "one PUT per blob (config and layer), no PATCH");
    const put = uploads.find((r) => new URL(r.path, "http://x").searchParams.get("digest") === layer.digest);
    assert.equal(put?.headers["content-length"], String(layer.size));
    assert.equal(put?.headers["transfer-encoding"], undefined);
    assert.equal(put?.bodyBytes, layer.size);
    assert.equal(await rawDigest(`docker://${berthReg.host}/wire/big:1`), big.manifest.digest);
  });

  it("asks both registries' GET /v2/ beside the manifest's GET, once each, before any blob request", async () => {
    await using transport = new RecordingTransport();
    await copyImage(parseReference(`${berthReg.host}/src/big:1`), parseReference(`${peer.host}/early/big:1`), { transport });
    const pings = transport.log.filter((r) => r.method === "GET" && r.url.pathname === "/v2/");
    assert.deepEqual(pings.map((r) => r.url.host).sort(), [berthReg.host, peer.host].sort(), "one GET /v2/ per registry");
    const firstBlob = transport.log.findIndex((r) => r.url.pathname.includes("/blobs/"));
    const manifest = transport.log.findIndex((r) => r.url.pathname.includes("/manifests/"));
    assert.ok(pings.every((p) => transport.log.indexOf(p) < manifest && transport.log.indexOf(p) < firstBlob),
      transport.log.map((r) => `${r.method} ${r.url.host}${r.url.pathname}`).join("\n"));
  });

  it("mounts every blob when copying between repositories of one registry", async () => {
    const events: ProgressEvent[] = [];
    await using transport = new RecordingTransport();
    await copyImage(parseReference(`${berthReg.host}/src/multi:1`), parseReference(`${berthReg.host}/other/multi:2`), { transport, onProgress: (e) => events.push(e) });
    assert.equal(events.filter((e) => e.type === "blob-mounted").length, 4, JSON.stringify(events.map((e) => e.type)));
    assert.equal(transport.matching("GET", /\/blobs\//).length, 0, "no blob read from the source");
    assert.equal(transport.matching("PATCH", /./).length + transport.matching("PUT", /\/blobs\/uploads\//).length, 0, "nothing uploaded");
    assert.equal(await rawDigest(`docker://${berthReg.host}/other/multi:2`), multi.index.digest);
  });

  it("skips blobs the destination has, and with a platform copies only that image's manifest", async () => {
    const events: ProgressEvent[] = [];
    const result = await copyImage(parseReference(`${berthReg.host}/src/multi:1`), parseReference(`${peer.host}/dst/multi:arm64`), {
      platform: { os: "linux", architecture: "arm64", variant: "v8" }, onProgress: (e) => events.push(e),
    });
    assert.equal(result.descriptor.digest, multi.images[1]!.manifest.digest);
    assert.equal(await rawDigest(`docker://${peer.host}/dst/multi:arm64`), multi.images[1]!.manifest.digest);
    assert.equal(events.filter((e) => e.type === "blob-exists").length, 2, "config and layer were copied by the first test");
  });
});
