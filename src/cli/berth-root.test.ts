import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { resolveBerthRoot } from "./berth-root.js";

describe("resolveBerthRoot", () => {
  it("makes a relative --root or BERTH_ROOT absolute from the given directory, the flag first", () => {
    assert.equal(resolveBerthRoot("r1", {}, "/srv/work"), "/srv/work/r1");
    assert.equal(resolveBerthRoot("/abs/root", { BERTH_ROOT: "x" }, "/srv/work"), "/abs/root");
    assert.equal(resolveBerthRoot(undefined, { BERTH_ROOT: "../state" }, "/srv/work"), "/srv/state");
    assert.equal(resolveBerthRoot("", { BERTH_ROOT: "/b" }, "/srv/work"), "/b");
  });
});
