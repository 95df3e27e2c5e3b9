import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseDigest, type Descriptor } from "../../oci/index.js";
import { CONTAINERD_NAME, REF_NAME, nameAnnotations, nameOf, withoutNames } from "./ref-names.js";

const desc = (annotations?: Record<string, string>): Descriptor => ({
  mediaType: "application/vnd.oci.image.manifest.v1+json",
  digest: parseDigest(`sha256:${"1".repeat(64)}`),
  size: 10,
  ...(annotations && { annotations }),
});

describe("nameAnnotations", () => {
  it("keeps a bare tag as ref.name only", () => assert.deepEqual(nameAnnotations("latest"), { [REF_NAME]: "latest" }));
  it("gives a reference's tag as ref.name and the full reference as the containerd name", () =>
    assert.deepEqual(nameAnnotations("busybox:1"), { [CONTAINERD_NAME]: "docker.io/library/busybox:1", [REF_NAME]: "1" }));
  it("takes the tag of a full reference with a port", () =>
    assert.deepEqual(nameAnnotations("127.0.0.1:5000/a/b:bench"), { [CONTAINERD_NAME]: "127.0.0.1:5000/a/b:bench", [REF_NAME]: "bench" }));
  it("gives no ref.name to a reference without a tag", () =>
    assert.deepEqual(nameAnnotations(`a/b@sha256:${"2".repeat(64)}`), { [CONTAINERD_NAME]: `docker.io/a/b@sha256:${"2".repeat(64)}` }));
  it("keeps a name it cannot parse as ref.name", () => assert.deepEqual(nameAnnotations("Bad/Name:x"), { [REF_NAME]: "Bad/Name:x" }));
});

describe("nameOf", () => {
  it("prefers the containerd name", () => assert.equal(nameOf(desc({ [REF_NAME]: "latest", [CONTAINERD_NAME]: "docker.io/library/a:latest" })), "docker.io/library/a:latest"));
  it("falls back to ref.name", () => assert.equal(nameOf(desc({ [REF_NAME]: "latest" })), "latest"));
  it("is undefined for an untagged entry", () => assert.equal(nameOf(desc()), undefined));
});

describe("withoutNames", () => {
  it("drops only the naming annotations", () =>
    assert.deepEqual(withoutNames(desc({ [REF_NAME]: "x", other: "y" })).annotations, { other: "y" }));
  it("drops annotations that become empty", () => assert.equal("annotations" in withoutNames(desc({ [REF_NAME]: "x" })), false));
});
