import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isBerthError } from "../../oci/index.js";
import { archiveMtime } from "./archive-file.js";

describe("archiveMtime", () => {
  it("takes the option first", () => {
    const d = new Date(5000);
    assert.equal(archiveMtime({ mtime: d, env: { SOURCE_DATE_EPOCH: "7" } }), d);
  });
  it("reads SOURCE_DATE_EPOCH", () => assert.equal(archiveMtime({ env: { SOURCE_DATE_EPOCH: "1700000000" } }).getTime(), 1_700_000_000_000));
  it("defaults to the epoch", () => assert.equal(archiveMtime({ env: {} }).getTime(), 0));
  it("treats an empty SOURCE_DATE_EPOCH as unset", () => assert.equal(archiveMtime({ env: { SOURCE_DATE_EPOCH: "" } }).getTime(), 0));
  for (const bad of ["-1", "1.5", "yesterday", "1e9"]) {
    it(`refuses SOURCE_DATE_EPOCH=${bad}`, () => {
      assert.throws(() => archiveMtime({ env: { SOURCE_DATE_EPOCH: bad } }), (e: unknown) =>
        isBerthError(e, "INVALID_ARGUMENT") && /SOURCE_DATE_EPOCH: should be the number of seconds/.test(e.message));
    });
  }
});
