import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { isHostPath, parseVolumeSpec, volumeTarget } from "./volume-spec.js";

describe("parseVolumeSpec", () => {
  const OK: readonly [string, object][] = [
    ["/var/lib/mysql", { type: "volume", target: "/var/lib/mysql" }],
    ["data:/data", { type: "volume", source: "data", target: "/data", read_only: false, volume: { nocopy: false } }],
    ["data:/data:ro,nocopy", { type: "volume", source: "data", target: "/data", read_only: true, volume: { nocopy: true } }],
    ["./conf:/etc/conf:ro", { type: "bind", source: "./conf", target: "/etc/conf", read_only: true, bind: { create_host_path: true } }],
    ["../up:/up", { type: "bind", source: "../up", target: "/up", read_only: false, bind: { create_host_path: true } }],
    ["/opt/data:/var/lib/mysql:rw", { type: "bind", source: "/opt/data", target: "/var/lib/mysql", read_only: false, bind: { create_host_path: true } }],
    ["~/configs:/etc/configs:ro,z", { type: "bind", source: "~/configs", target: "/etc/configs", read_only: true, bind: { create_host_path: true, selinux: "z" } }],
    ["/a:/b:rshared,Z", { type: "bind", source: "/a", target: "/b", read_only: false, bind: { create_host_path: true, propagation: "rshared", selinux: "Z" } }],
    ["data:/x:delegated", { type: "volume", source: "data", target: "/x", read_only: false, volume: { nocopy: false } }],
  ];
  for (const [spec, want] of OK) it(spec, () => assert.deepEqual(parseVolumeSpec(spec), want));

  for (const [spec, err] of [["", /empty/], ["a::b", /empty part/], ["a:b:c:d", /too many colons/], ["data:relative", /must be absolute/], ["rel", /must be absolute/]] as const) {
    it(`refuses ${JSON.stringify(spec)}`, () => assert.throws(() => parseVolumeSpec(spec), err));
  }
  it("decides bind or named volume as compose does", () => {
    assert.deepEqual(["./x", "/x", "~/x", ".hidden", "x", "x.y"].map(isHostPath), [true, true, true, true, false, false]);
  });
  it("keys entries by target for merging", () => {
    assert.equal(volumeTarget("foo:/work"), "/work");
    assert.equal(volumeTarget({ type: "bind", source: "/a", target: "/work" }), "/work");
    assert.equal(volumeTarget("bad:rel"), undefined);
  });
});
