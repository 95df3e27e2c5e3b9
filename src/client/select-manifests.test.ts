import { it } from "node:test";
import assert from "node:assert/strict";
import { digestOf, isBerthError, MediaType, type Descriptor, type ImageIndex, type Platform } from "../oci/index.js";
import { selectManifests } from "./select-manifests.js";

const entry = (platform: Platform | undefined, mediaType: string = MediaType.OciManifest): Descriptor => ({
  mediaType, digest: digestOf(JSON.stringify(platform ?? mediaType)), size: 1, ...(platform && { platform }),
});
const amd64 = entry({ os: "linux", architecture: "amd64" });
const armv7 = entry({ os: "linux", architecture: "arm", variant: "v7" });
const arm64 = entry({ os: "linux", architecture: "arm64", variant: "v8" });
const attestation = entry({ os: "unknown", architecture: "unknown" });
const nested = entry(undefined, MediaType.OciIndex);
const strange = entry({ os: "linux", architecture: "amd64" }, "application/vnd.example.thing");
const index: ImageIndex = { schemaVersion: 2, manifests: [strange, amd64, armv7, arm64, attestation, nested] };

const cases: { name: string; platform: Platform; all?: boolean; want: Descriptor[] }[] = [
  { name: "the host's kind", platform: { os: "linux", architecture: "amd64" }, want: [amd64] },
  { name: "arm64 with or without v8", platform: { os: "linux", architecture: "arm64" }, want: [arm64] },
  { name: "arm without a variant is v7", platform: { os: "linux", architecture: "arm" }, want: [armv7] },
  { name: "every manifest and index with allPlatforms, unknown media types left out", platform: { os: "linux", architecture: "s390x" }, all: true, want: [amd64, armv7, arm64, attestation, nested] },
];
for (const c of cases) {
  it(`selectManifests: ${c.name}`, () => {
    assert.deepEqual(selectManifests(index, "idx", c.all ? { allPlatforms: true } : { platform: c.platform }), c.want);
  });
}

it("selectManifests: NOT_FOUND names the platforms the index has, not attestations", () => {
  assert.throws(() => selectManifests(index, "r/a@sha256:x", { platform: { os: "windows", architecture: "amd64" } }), (e: unknown) => {
    assert.ok(isBerthError(e, "NOT_FOUND"));
    assert.equal(e.message, "r/a@sha256:x: no image for platform windows/amd64; the index has linux/amd64, linux/arm/v7, linux/arm64/v8");
    assert.match(e.hint ?? "", /--platform linux\/amd64/);
    return true;
  });
});
