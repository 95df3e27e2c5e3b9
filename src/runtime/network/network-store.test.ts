import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { isBerthError } from "../../oci/index.js";
import { AmbiguousNetworkError, NetworkExistsError, NetworkInUseError, NetworkNotFoundError, NetworkRecordError, SubnetOverlapError } from "./errors.js";
import { inspectNetwork } from "./inspect-network.js";
import { cidrsOverlap, parseCidr } from "./ipv4.js";
import { NetworkStore } from "./network-store.js";
import { hostRoutes } from "./subnet-choice.js";

describe("NetworkStore", () => {
  let root: string;
  let store: NetworkStore;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), "berth-net-"));
    // A prefix no host interface has, so names do not depend on this machine.
    store = new NetworkStore(root, { bridgePrefix: "bunit" });
  });
  after(async () => rm(root, { recursive: true, force: true }));

  it("creates the default network once: bridge, <prefix>0, 10.88.0.0/16, no DNS", async () => {
    const d = await store.ensureDefault();
    assert.deepEqual([d.name, d.interface, d.subnet, d.gateway, d.dns, d.internal], ["bridge", "bunit0", "10.88.0.0/16", "10.88.0.1", false, false]);
    assert.match(d.id, /^[0-9a-f]{64}$/);
    assert.equal((await store.ensureDefault()).id, d.id);
    await assert.rejects(store.remove("bridge"), (e: unknown) => e instanceof NetworkInUseError && /default network/.test(e.message));
  });

  it("picks a free 10.89.N.0/24 clear of other networks and the host's routes, a free bridge name, DNS on", async () => {
    const a = await store.create("front", { labels: { team: "web" } });
    const b = await store.create("back");
    assert.deepEqual([a.interface, b.interface, a.dns, a.labels], ["bunit1", "bunit2", true, { team: "web" }]);
    assert.match(a.subnet, /^10\.89\.\d+\.0\/24$/);
    assert.notEqual(a.subnet, b.subnet);
    assert.equal(a.gateway, a.subnet.replace(/0\/24$/, "1"));
    for (const r of await hostRoutes()) assert.ok(!cidrsOverlap(r.destination, parseCidr(a.subnet, "s")), `${a.subnet} overlaps a host route`);
    assert.ok(!Number.isNaN(Date.parse(a.created)));
  });

  it("takes an explicit subnet and gateway, and refuses bad or overlapping ones", async () => {
    const n = await store.create("fixed", { subnet: "172.30.5.0/24", gateway: "172.30.5.254", internal: true, dns: false });
    assert.deepEqual([n.subnet, n.gateway, n.internal, n.dns], ["172.30.5.0/24", "172.30.5.254", true, false]);
    await assert.rejects(store.create("o1", { subnet: "172.30.0.0/16" }), (e: unknown) => e instanceof SubnetOverlapError && /network fixed/.test(e.message));
    await assert.rejects(store.create("o2", { subnet: "10.88.3.0/24" }), (e: unknown) => e instanceof SubnetOverlapError && /network bridge/.test(e.message));
    await assert.rejects(store.create("o3", { subnet: "172.31.0.1/16" }), (e: unknown) => isBerthError(e, "INVALID_ARGUMENT") && /host bits/.test(e.message));
    await assert.rejects(store.create("o4", { subnet: "nonsense" }), (e: unknown) => isBerthError(e, "INVALID_ARGUMENT") && /^--subnet/.test(e.message));
    await assert.rejects(store.create("o5", { subnet: "172.31.0.0/24", gateway: "172.31.1.1" }), (e: unknown) => isBerthError(e, "INVALID_ARGUMENT") && /^--gateway/.test(e.message));
    await assert.rejects(store.create("o6", { gateway: "10.89.9.1" }), (e: unknown) => isBerthError(e, "INVALID_ARGUMENT") && /needs --subnet/.test(e.message));
    assert.deepEqual((await store.list()).filter((x) => x.name.startsWith("o")), [], "nothing half-made");
  });

  it("refuses taken, predefined and malformed names", async () => {
    await assert.rejects(store.create("front"), (e: unknown) => e instanceof NetworkExistsError && /already exists/.test(e.message));
    for (const name of ["bridge", "host", "none"]) await assert.rejects(store.create(name), (e: unknown) => e instanceof NetworkExistsError && /predefined/.test(e.message));
    for (const name of ["", "-x", ".hidden", "a/b", "../up", "a b", "x".repeat(129), "ünï"]) {
      await assert.rejects(store.create(name), (e: unknown) => isBerthError(e, "INVALID_ARGUMENT") && /network name/.test(e.message), name);
    }
  });

  it("finds networks by name, id and unique id prefix", async () => {
    const front = await store.inspect("front");
    assert.equal((await store.inspect(front.id)).name, "front");
    assert.equal((await store.inspect(front.id.slice(0, 8))).name, "front");
    await assert.rejects(store.inspect("nosuch"), NetworkNotFoundError);
    await store.transaction(async (tx) => {
      await tx.save({ ...front, name: "twin1", id: `${"ab".repeat(31)}01`, interface: "bunit90", subnet: "172.29.1.0/24", gateway: "172.29.1.1" });
      await tx.save({ ...front, name: "twin2", id: `${"ab".repeat(31)}02`, interface: "bunit91", subnet: "172.29.2.0/24", gateway: "172.29.2.1" });
    });
    await assert.rejects(store.inspect("abab"), (e: unknown) => e instanceof AmbiguousNetworkError && e.matches === 2);
    await store.remove("twin1");
    await store.remove("twin2");
  });

  it("refuses to remove a network containers are attached to, removes it when they are gone", async () => {
    const n = await store.create("busy");
    const id = "e".repeat(64);
    await store.transaction((tx) => tx.save({ ...n, containers: { [id]: { name: "c1", ipv4: "10.89.200.2", interface: "eth0", aliases: [], ports: [], status: "connected" } } }));
    assert.deepEqual(inspectNetwork(await store.inspect("busy")).Containers, { [id]: { Name: "c1", MacAddress: "", IPv4Address: "10.89.200.2/24", IPv6Address: "" } });
    await assert.rejects(store.remove("busy"), (e: unknown) => e instanceof NetworkInUseError && e.message.includes("eeeeeeeeeeee"));
    await store.transaction((tx) => tx.save({ ...n, containers: {} }));
    assert.equal((await store.remove("busy")).name, "busy");
    await assert.rejects(store.inspect("busy"), NetworkNotFoundError);
    await assert.rejects(store.remove("busy"), NetworkNotFoundError);
  });

  it("prune removes the networks no container is on, and never the default one", async () => {
    const other = await mkdtemp(join(tmpdir(), "berth-net-prune-"));
    try {
      const s = new NetworkStore(other, { bridgePrefix: "bunit" });
      await s.ensureDefault();
      const used = await s.create("used", { subnet: "172.28.1.0/24" });
      await s.create("idle1", { subnet: "172.28.2.0/24" });
      await s.create("idle2", { subnet: "172.28.3.0/24" });
      const id = "f".repeat(64);
      await s.transaction((tx) => tx.save({ ...used, containers: { [id]: { ipv4: "172.28.1.2", interface: "eth1", aliases: [], ports: [], status: "connected" } } }));
      assert.deepEqual((await s.prune()).map((n) => n.name), ["idle1", "idle2"]);
      assert.deepEqual((await s.list()).map((n) => n.name), ["bridge", "used"]);
      assert.deepEqual(await s.prune(), []);
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });

  it("shows a network as docker's inspect JSON", async () => {
    const j = inspectNetwork(await store.inspect("front"));
    assert.equal(j.Driver, "bridge");
    assert.deepEqual(j.IPAM.Config, [{ Subnet: j.IPAM.Config[0]!.Subnet, Gateway: j.IPAM.Config[0]!.Gateway }]);
    assert.deepEqual([j.Internal, j.Labels, j.Options["com.docker.network.bridge.name"]], [false, { team: "web" }, "bunit1"]);
  });

  it("hands out distinct subnets and bridges to concurrent creates", async () => {
    const made = await Promise.all(["c1", "c2", "c3", "c4", "c5"].map((n) => store.create(n)));
    assert.equal(new Set(made.map((n) => n.subnet)).size, 5);
    assert.equal(new Set(made.map((n) => n.interface)).size, 5);
    for (const n of made) await store.remove(n.name);
    assert.deepEqual((await readdir(store.dir)).filter((f) => f.includes(".tmp") || f === ".lock"), []);
  });

  it("reports a damaged network file by name instead of skipping it", async () => {
    const other = await mkdtemp(join(tmpdir(), "berth-net-bad-"));
    try {
      const s = new NetworkStore(other, { bridgePrefix: "bunit" });
      await s.create("ok");
      const okText = await readFile(join(s.dir, "ok.json"), "utf8");
      await writeFile(join(s.dir, "bad.json"), "{\"schemaVersion\":1,\"name\":\"bad\"");
      await assert.rejects(s.list(), (e: unknown) => e instanceof NetworkRecordError && e.message.includes("bad.json") && /not JSON/.test(e.message));
      await writeFile(join(s.dir, "bad.json"), JSON.stringify({ ...JSON.parse(okText), name: "bad", subnet: "10.1.2.3/8" }));
      await assert.rejects(s.list(), (e: unknown) => e instanceof NetworkRecordError && /subnet/.test(e.message));
      await writeFile(join(s.dir, "bad.json"), JSON.stringify({ ...JSON.parse(okText), name: "bad", containers: { "../x": {} } }));
      await assert.rejects(s.list(), (e: unknown) => e instanceof NetworkRecordError && /containers/.test(e.message));
      await writeFile(join(s.dir, "bad.json"), okText);
      await assert.rejects(s.list(), (e: unknown) => e instanceof NetworkRecordError && /expected "bad"/.test(e.message));
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });
});
