import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isBerthError } from "../../../../src/oci/index.js";
import {
  containerResolvConf, createNetns, disconnectContainer, NetworkSetupError, parsePublish, removeNetns,
} from "../../../../src/runtime/network/index.js";
import { aardvarkRunning, exists, inNetns, iptablesRules, useNetworkFixture } from "./network-fixture.js";

const LOCAL_DNS = ["127.0.0.1"];

describe("container networking: crashes, failures, the default network (as root)", () => {
  const fixture = useNetworkFixture();

  it("a namespace gone under a connected container (a crash): disconnect still removes its rules, DNS entry and bridge", async (t) => {
    const fx = await fixture(t);
    if (!fx) return;
    const net = await fx.store.create("crashnet", { subnet: await fx.subnet() });
    const e = await fx.container();
    await fx.connect({ containerId: e.id, netnsPath: e.netns, networks: [{ name: "crashnet" }], ports: parsePublish("0:80"), dnsServers: LOCAL_DNS });
    assert.ok((await iptablesRules()).includes(e.id));
    await assert.rejects(createNetns(e.id), (err: unknown) => isBerthError(err, "ALREADY_EXISTS") && err.message.includes(e.netns));
    await removeNetns(e.netns);
    await removeNetns(e.netns);
    assert.ok(!(await exists(e.netns)));

    await disconnectContainer(fx.store, undefined, e.id, e.netns);
    const rules = await iptablesRules();
    assert.ok(!rules.includes(e.id), "port rules gone");
    assert.ok(!rules.includes(net.subnet), "network rules gone");
    assert.ok(!(await exists(`/sys/class/net/${net.interface}`)), "bridge gone");
    assert.ok(!(await aardvarkRunning(fx.store)), "aardvark-dns stopped");
    assert.deepEqual((await fx.store.inspect("crashnet")).containers, {});
  });

  it("a setup cut short (address recorded, netavark never ran): connect refuses until disconnect repairs it", async (t) => {
    const fx = await fixture(t);
    if (!fx) return;
    const f = await fx.container();
    await fx.store.transaction(async (tx) => {
      const n = await tx.get("crashnet");
      await tx.save({ ...n, containers: { [f.id]: { ipv4: n.subnet.replace(/0\/24$/, "9"), interface: "eth0", aliases: [], ports: [], status: "allocated" } } });
    });
    await assert.rejects(fx.connect({ containerId: f.id, netnsPath: f.netns, networks: [{ name: "crashnet" }] }),
      (e: unknown) => isBerthError(e, "FAILED_PRECONDITION") && /already on network/.test(e.message));
    await disconnectContainer(fx.store, undefined, f.id, f.netns);
    assert.deepEqual((await fx.store.inspect("crashnet")).containers, {});
    const s = await fx.connect({ containerId: f.id, netnsPath: f.netns, networks: [{ name: "crashnet" }], dnsServers: LOCAL_DNS });
    assert.equal(s.networks.crashnet!.interface, "eth0");
    await disconnectContainer(fx.store, s, f.id, f.netns);
  });

  it("netavark failing (no such namespace): NetworkSetupError with netavark's message, nothing left; a missing netavark is named", async (t) => {
    const fx = await fixture(t);
    if (!fx) return;
    const id = "d".repeat(64);
    await assert.rejects(fx.connect({ containerId: id, netnsPath: "/run/netns/berth-nosuchns", networks: [{ name: "crashnet" }], ports: parsePublish("0:80") }),
      (e: unknown) => e instanceof NetworkSetupError && /netavark setup/.test(e.message) && /netns|No such file/i.test(e.detail));
    assert.deepEqual((await fx.store.inspect("crashnet")).containers, {});
    assert.ok(!(await iptablesRules()).includes(id));
    await assert.rejects(fx.connect({ containerId: id, netnsPath: "/run/netns/x", networks: [{ name: "crashnet" }], binaries: { netavarkBinary: "/nonexistent/netavark" } }),
      (e: unknown) => isBerthError(e, "FAILED_PRECONDITION") && e.message.includes("/nonexistent/netavark") && /apt-get install netavark/.test(e.hint ?? ""));
    await assert.rejects(fx.connect({ containerId: id, netnsPath: "/run/netns/x", networks: [{ name: "nosuchnet" }] }), (e: unknown) => isBerthError(e, "NOT_FOUND"));
    await assert.rejects(fx.connect({ containerId: "XYZ", netnsPath: "/run/netns/x", networks: [{ name: "crashnet" }] }), (e: unknown) => isBerthError(e, "INVALID_ARGUMENT"));
    await assert.rejects(fx.connect({ containerId: id, netnsPath: "/run/netns/x", networks: [{ name: "crashnet", aliases: ["bad alias"] }] }), (e: unknown) => isBerthError(e, "INVALID_ARGUMENT") && /--network-alias/.test(e.message));
  });

  it("the default network and a user network at once: eth0 and eth1, DNS only from the user network", async (t) => {
    const fx = await fixture(t);
    if (!fx) return;
    const bridge = await fx.store.ensureDefault();
    assert.equal(bridge.interface, `${fx.prefix}0`);
    const g = await fx.container();
    const h = await fx.container();
    // At once: the store's lock serialises them, so they never get one address twice.
    const [sg, sh] = await Promise.all([
      fx.connect({ containerId: g.id, netnsPath: g.netns, networks: [{ name: "bridge" }, { name: "crashnet" }], dnsServers: LOCAL_DNS }),
      fx.connect({ containerId: h.id, netnsPath: h.netns, networks: [{ name: "bridge" }] }),
    ]);
    assert.notEqual(sg.networks.bridge!.ipv4, sh.networks.bridge!.ipv4);
    assert.deepEqual(Object.keys(sg.networks), ["bridge", "crashnet"]);
    assert.deepEqual([sg.networks.bridge!.interface, sg.networks.crashnet!.interface, sg.networks.bridge!.dns], ["eth0", "eth1", false]);
    const addrs = await inNetns(g.netns, "ip", ["-o", "-4", "addr"]);
    assert.match(addrs.stdout, new RegExp(`eth0\\s+inet ${sg.networks.bridge!.ipv4.replace(/\./g, "\\.")}/24`));
    assert.match(addrs.stdout, new RegExp(`eth1\\s+inet ${sg.networks.crashnet!.ipv4.replace(/\./g, "\\.")}/24`));
    const ping = await inNetns(h.netns, "/bin/busybox", ["ping", "-c1", "-W2", sg.networks.bridge!.ipv4]);
    assert.equal(ping.code, 0, ping.stdout + ping.stderr);
    assert.deepEqual(sh.dnsServers, []);
    assert.equal(containerResolvConf(sh, "nameserver 127.0.0.53\nnameserver 10.255.255.53\n"), "nameserver 10.255.255.53\n");
    assert.deepEqual(sg.dnsServers, [sg.networks.crashnet!.gateway]);

    await disconnectContainer(fx.store, sg, g.id, g.netns);
    await disconnectContainer(fx.store, sh, h.id, h.netns);
    for (const iface of [bridge.interface, (await fx.store.inspect("crashnet")).interface]) assert.ok(!(await exists(`/sys/class/net/${iface}`)), `${iface} gone`);
    const rules = await iptablesRules();
    for (const id of [g.id, h.id]) assert.ok(!rules.includes(id));
    assert.ok(!rules.includes(bridge.subnet));
    await fx.store.remove("crashnet");
  });
});
