import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { containerEndpoints } from "./container-endpoints.js";
import type { ContainerRecord } from "./container-record.js";

const base: ContainerRecord = {
  id: "b".repeat(64), name: "web", image: "busybox", imageId: "sha256:x", imageConfig: {}, lowerDirs: [], created: "2026-01-01T00:00:00Z",
  options: { network: "app", networkAliases: ["www"] },
};
const ids: Record<string, string> = { app: "1".repeat(64), db: "2".repeat(64) };
const idOf = async (name: string): Promise<string | undefined> => ids[name];

describe("containerEndpoints of a container that is not running", () => {
  it("lists every network it joins at start, connected ones too, with no address, as docker's", async () => {
    const r: ContainerRecord = { ...base, networks: [{ name: "app", aliases: ["www"] }, { name: "db", aliases: ["store"] }, { name: "gone" }] };
    const eps = await containerEndpoints(r, { status: "exited", restartCount: 0 }, idOf);
    assert.deepEqual(Object.keys(eps), ["app", "db", "gone"]);
    assert.deepEqual([eps.db?.NetworkID, eps.db?.IPAddress, eps.db?.Aliases], [ids.db, "", ["web", "store"]]);
    assert.equal(eps.gone?.NetworkID, "", "a network removed since has no id");
  });

  it("is empty once disconnected from all; none and host keep their one entry", async () => {
    assert.deepEqual(await containerEndpoints({ ...base, networks: [] }, { status: "created", restartCount: 0 }, idOf), {});
    const none = await containerEndpoints({ ...base, options: { network: "none" } }, { status: "created", restartCount: 0 }, idOf);
    assert.deepEqual(Object.keys(none), ["none"]);
    assert.equal(none.none?.Aliases, null);
  });
});
