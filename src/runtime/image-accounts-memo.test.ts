import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ImageAccountsMemo } from "./image-accounts-memo.js";

describe("ImageAccountsMemo", () => {
  it("gives the accounts of the same layers back, not of other layers", () => {
    const memo = new ImageAccountsMemo();
    memo.set(["/s/b/fs", "/s/a/fs"], { passwd: "root:x:0:0::/root:/bin/sh\n" });
    assert.deepEqual(memo.get(["/s/b/fs", "/s/a/fs"]), { passwd: "root:x:0:0::/root:/bin/sh\n" });
    assert.equal(memo.get(["/s/a/fs"]), undefined);
    assert.equal(memo.get(["/s/a/fs", "/s/b/fs"]), undefined, "the same layers in another order are another image");
    assert.equal(memo.get(["/s/b/fs\n/s/a/fs"]), undefined);
  });

  it("keeps the 64 images last used", () => {
    const memo = new ImageAccountsMemo();
    for (let i = 0; i < 64; i++) memo.set([`/s/${i}`], { group: String(i) });
    memo.set(["/s/0"], { group: "0" });
    memo.set(["/s/64"], { group: "64" });
    assert.deepEqual(memo.get(["/s/0"]), { group: "0" }, "used again: kept");
    assert.equal(memo.get(["/s/1"]), undefined, "the oldest goes");
    assert.deepEqual(memo.get(["/s/64"]), { group: "64" });
  });
});
