import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { containerNetworks } from "./container-networks.js";
import type { ContainerRecord } from "./container-record.js";

const record = (options: ContainerRecord["options"], networks?: ContainerRecord["networks"]): ContainerRecord => ({
  id: "a".repeat(64), image: "busybox", imageId: "sha256:x", imageConfig: {}, lowerDirs: [], created: "2026-01-01T00:00:00Z", options,
  ...(networks !== undefined && { networks }),
});

describe("containerNetworks", () => {
  it("is --network with its aliases until connect or disconnect record a list, and nothing for none and host", () => {
    const cases: readonly { name: string; r: ContainerRecord; want: unknown }[] = [
      { name: "user network", r: record({ network: "app", networkAliases: ["web"] }), want: [{ name: "app", aliases: ["web"] }] },
      { name: "default bridge", r: record({ network: "bridge" }), want: [{ name: "bridge" }] },
      { name: "none", r: record({ network: "none" }), want: [] },
      { name: "host", r: record({ network: "host" }), want: [] },
      { name: "no option", r: record({}), want: [] },
      { name: "connected", r: record({ network: "app" }, [{ name: "app" }, { name: "db", aliases: ["x"] }]), want: [{ name: "app" }, { name: "db", aliases: ["x"] }] },
      { name: "disconnected from all", r: record({ network: "app", networkAliases: ["web"] }, []), want: [] },
    ];
    for (const c of cases) assert.deepEqual(containerNetworks(c.r), c.want, c.name);
  });
});
