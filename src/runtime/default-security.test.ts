import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ALL_CAPABILITIES, DEFAULT_CAPABILITIES, effectiveCapabilities, normalizeCapability } from "./default-security.js";

describe("effectiveCapabilities", () => {
  const cases: readonly { name: string; add?: string[]; drop?: string[]; want: readonly string[] }[] = [
    { name: "docker's 14 by default", want: DEFAULT_CAPABILITIES },
    { name: "drop ALL", drop: ["ALL"], want: [] },
    { name: "drop ALL, add one", drop: ["ALL"], add: ["CAP_NET_BIND_SERVICE"], want: ["CAP_NET_BIND_SERVICE"] },
    { name: "add ALL", add: ["ALL"], want: ALL_CAPABILITIES },
    { name: "add ALL, drop one", add: ["ALL"], drop: ["CAP_SYS_ADMIN"], want: ALL_CAPABILITIES.filter((c) => c !== "CAP_SYS_ADMIN") },
    { name: "add wins over drop of the same", add: ["CAP_KILL"], drop: ["CAP_KILL"], want: DEFAULT_CAPABILITIES },
    { name: "add is not duplicated", add: ["CAP_CHOWN"], want: DEFAULT_CAPABILITIES },
  ];
  for (const c of cases) {
    it(c.name, () => assert.deepEqual([...effectiveCapabilities(c.add, c.drop)].sort(), [...c.want].sort()));
  }
  it("docker's default set has 14 capabilities, all known", () => {
    assert.equal(DEFAULT_CAPABILITIES.length, 14);
    for (const c of DEFAULT_CAPABILITIES) assert.ok(ALL_CAPABILITIES.includes(c), c);
  });
});

describe("normalizeCapability", () => {
  for (const [input, want] of [["chown", "CAP_CHOWN"], ["CAP_SYS_ADMIN", "CAP_SYS_ADMIN"], [" all ", "ALL"], ["cap_bpf", "CAP_BPF"], ["NOPE", undefined], ["", undefined]] as const) {
    it(JSON.stringify(input), () => assert.equal(normalizeCapability(input), want));
  }
});
