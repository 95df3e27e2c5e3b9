import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { abiOfDebianNodeVersion, addonAbi, mismatchedAddons } from "./native-addons.js";

describe("native addons", () => {
  it("reads the ABI from the registration symbol; N-API addons have none", () => {
    assert.equal(addonAbi(Buffer.from("\x7fELF....node_register_module_v108\0...")), 108);
    assert.equal(addonAbi(Buffer.from("\x7fELF....napi_register_module_v1\0")), undefined);
    assert.equal(addonAbi(Buffer.from("node_register_module_vX node_register_module_v115")), 115);
  });

  it("maps Debian nodejs versions to ABIs", () => {
    assert.equal(abiOfDebianNodeVersion("18.19.0+dfsg-6~deb12u2"), 108);
    assert.equal(abiOfDebianNodeVersion("1:20.1.0-1"), 115);
    assert.equal(abiOfDebianNodeVersion("99.0.0"), undefined);
  });

  it("names addons built for another ABI", () => {
    const file = (path: string, text: string) => ({ path, type: "file" as const, mode: 0o755, uid: 0, gid: 0, data: Buffer.from(text) });
    const r = mismatchedAddons([file("a/x.node", "node_register_module_v115"), file("a/y.node", "node_register_module_v108"), file("a/z.node", "napi_register_module_v1"), file("a/w.js", "node_register_module_v115")], 108);
    assert.deepEqual(r, { files: ["a/x.node"], abis: [115] });
  });
});
