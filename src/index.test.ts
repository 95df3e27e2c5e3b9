import { it } from "node:test";
import assert from "node:assert/strict";
import * as berth from "./index.js";

// The public API is a contract: a change here is deliberate, never a side effect.
it("exports exactly the public API", () => {
  assert.deepEqual(Object.keys(berth).sort(), [
    "BerthError", "BlobWriter", "ContentStore", "DigestMismatchError", "InvalidArgumentError", "MediaType",
    "createRegistry", "digestOf", "familiarName", "formatPlatform", "formatReference", "fsck", "garbageCollect",
    "isBerthError", "loadRegistryConfig", "parseDigest", "parseManifest", "parsePlatform", "parseReference",
    "platformMatches", "serveRegistry",
  ].sort());
});
