import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isBerthError, parseDigest } from "../../oci/index.js";
import { chainIds } from "./chain-id.js";

const a = parseDigest(`sha256:${"a".repeat(64)}`);
const b = parseDigest(`sha256:${"b".repeat(64)}`);
const c = parseDigest(`sha256:${"c".repeat(64)}`);

describe("chainIds", () => {
  it("is the diffID for the base layer", () => {
    assert.deepEqual(chainIds([a]), [a]);
  });

  it("hashes parent ChainID, a space and the diffID for each layer above", () => {
    // Golden values: printf 'sha256:aaaa… sha256:bbbb…' | sha256sum
    assert.deepEqual(chainIds([a, b, c]), [
      a,
      "sha256:ccd722928bd92476ba1745586fed6e45a102504185ad88cd89e01ff116fd146c",
      "sha256:c1377126441fb2f5ec2c21ae2a60255331d639e830f0ee1b40a36e52d4c40588",
    ]);
  });

  it("depends on order", () => {
    assert.notEqual(chainIds([a, b])[1], chainIds([b, a])[1]);
  });

  it("refuses an empty stack", () => {
    assert.throws(() => chainIds([]), (e: unknown) => isBerthError(e, "INVALID_ARGUMENT"));
  });
});
