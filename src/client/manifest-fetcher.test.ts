import { it } from "node:test";
import assert from "node:assert/strict";
import { digestOf, isBerthError } from "../oci/index.js";
import { MANIFEST_ACCEPT, parseManifestReference } from "./manifest-fetcher.js";

const d = digestOf("m");
const good: [string, object][] = [["latest", { tag: "latest" }], ["v1.2_3-rc", { tag: "v1.2_3-rc" }], [d, { digest: d }]];
for (const [ref, want] of good) {
  it(`parseManifestReference "${ref}"`, () => assert.deepEqual(parseManifestReference(ref), want));
}
for (const bad of ["", "../x", ".hidden", "a/b", "sha256:abc", "md5:0123", "x".repeat(129), "tag with space", "%2e%2e"]) {
  it(`parseManifestReference refuses "${bad.slice(0, 20)}"`, () => {
    assert.throws(() => parseManifestReference(bad), (e: unknown) => isBerthError(e, "INVALID_ARGUMENT"));
  });
}

it("MANIFEST_ACCEPT lists OCI and Docker manifests and indexes, not schema 1", () => {
  assert.equal(MANIFEST_ACCEPT.split(", ").length, 4);
  assert.doesNotMatch(MANIFEST_ACCEPT, /distribution\.manifest\.v1\+/);
});
