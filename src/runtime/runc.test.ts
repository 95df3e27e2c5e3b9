import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { parseRuncList } from "./runc.js";

describe("parseRuncList", () => {
  it("reads each container's id and bundle from `runc list --format json`; none is null", () => {
    assert.deepEqual(parseRuncList("null\n"), []);
    assert.deepEqual(parseRuncList(""), []);
    const out = JSON.stringify([
      { ociVersion: "1.0.2", id: "a", pid: 10, status: "running", bundle: "/real/a/bundle", rootfs: "/real/a/bundle/rootfs" },
      { id: "no-bundle" },
    ]);
    assert.deepEqual(parseRuncList(out), [{ id: "a", bundle: "/real/a/bundle" }]);
  });
});
