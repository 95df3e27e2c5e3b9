import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { enabledBy } from "./enabled-services.js";

describe("enabledBy", () => {
  it("adds the services an up names to those an earlier up named, each once, earlier first", () => {
    assert.deepEqual(enabledBy(["toolb", "toola"], ["toola"]), ["toola", "toolb"]);
  });
  it("the services named, when none were before", () => assert.deepEqual(enabledBy(["app"], undefined), ["app"]));
  it("none for a whole up, whatever was enabled before", () => {
    assert.deepEqual(enabledBy(undefined, ["toola"]), []);
    assert.deepEqual(enabledBy([], ["toola"]), []);
  });
});
