import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { EMPTY_JSON_DIGEST, makeChunkedBlob, makeTestData, sha256Digest, type TestBlob } from "./test-data.js";

const parse = (blob: TestBlob): { subject?: { digest: string; size: number } } =>
  JSON.parse(Buffer.from(blob.content).toString("utf8")) as { subject?: { digest: string; size: number } };

describe("conformance test data", () => {
  const data = makeTestData({ seed: 1 });

  it("is the same for the same seed and differs for another", () => {
    // Golden values: a change here changes what every registry run pushes.
    assert.equal(data.manifests[4]?.digest, "sha256:316e99898c22dba203a79890a9d29d449ef5e8e20cbcdd68212e02a785ba9867");
    assert.equal(data.layerBlob.digest, "sha256:48acff1d91752e957527c1b5416e7376d910bcacf01b9441175f8c270e35c183");
    assert.equal(data.dummyDigest, "sha256:b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9");
    assert.deepEqual(makeTestData({ seed: 1 }), data);
    assert.notEqual(makeTestData({ seed: 2 }).manifests[4]?.digest, data.manifests[4]?.digest);
  });

  it("gives every workflow its own config and manifest", () => {
    assert.equal(new Set(data.configs.map((c) => c.digest)).size, data.configs.length);
    assert.equal(new Set(data.manifests.map((m) => m.digest)).size, data.manifests.length);
  });

  it("points the referrers at manifests[4], and artifact C at manifests[3]", () => {
    const [m3, m4] = [data.manifests[3] as TestBlob, data.manifests[4] as TestBlob];
    for (const artifact of [data.refsManifestAConfigArtifact, data.refsManifestALayerArtifact, data.refsManifestBConfigArtifact, data.refsManifestBLayerArtifact, data.refsIndexArtifact]) {
      assert.deepEqual(parse(artifact).subject, { mediaType: "application/vnd.oci.image.manifest.v1+json", digest: m4.digest, size: m4.content.length, newUnspecifiedField: null });
    }
    assert.equal(parse(data.refsManifestCLayerArtifact).subject?.digest, m3.digest);
    assert.equal(data.annotationValues.size, 5);
    assert.equal(data.emptyJsonBlob.digest, EMPTY_JSON_DIGEST);
  });

  it("keeps overridden digests out of the subjects, as the Go suite does", () => {
    const overridden = makeTestData({ seed: 1, blobDigest: "sha256:b", manifestDigest: "sha256:m" });
    assert.ok(overridden.configs.every((c) => c.digest === "sha256:b"));
    assert.ok(overridden.manifests.every((m) => m.digest === "sha256:m"));
    assert.equal(parse(overridden.refsIndexArtifact).subject?.digest, sha256Digest((overridden.manifests[4] as TestBlob).content));
  });

  it("splits the chunked blob after size/2 + 1 bytes", () => {
    for (const [size, range1, range2] of [[42, "0-21", "22-41"], [9, "0-4", "5-8"]] as const) {
      const blob = makeChunkedBlob(size, 1);
      assert.equal(blob.chunk1Range, range1);
      assert.equal(blob.chunk2Range, range2);
      assert.deepEqual(Buffer.concat([blob.chunk1, blob.chunk2]), Buffer.from(blob.content));
      assert.equal(blob.digest, sha256Digest(blob.content));
    }
  });
});
