import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isBerthError } from "../../oci/index.js";
import { createNetns, removeNetns } from "./netns.js";

// Checks that run before any `ip` call, so no root is needed; making and removing namespaces is in test/integration/runtime/network.
describe("network namespaces: argument checks", () => {
  for (const id of ["", "abc", "ABCDEF012345", "../../../etc/x", "0123456789ab/../x", "z".repeat(64), "a".repeat(65)]) {
    it(`createNetns refuses id ${JSON.stringify(id.slice(0, 20))}`, async () => {
      await assert.rejects(createNetns(id), (e: unknown) => isBerthError(e, "INVALID_ARGUMENT") && /container id/.test(e.message));
    });
  }
  for (const path of ["/etc/passwd", "/run/netns", "/run/netns/../x", "/run/netns/a/b", "relative", "/run/netns/with space"]) {
    it(`removeNetns refuses ${path}`, async () => {
      await assert.rejects(removeNetns(path), (e: unknown) => isBerthError(e, "INVALID_ARGUMENT") && /not under \/run\/netns/.test(e.message));
    });
  }
  it("removeNetns of a namespace that is gone is a no-op", async () => {
    await removeNetns("/run/netns/berth-000000000000-gone");
  });
});
