import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { createSocket } from "node:dgram";
import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import { connect, createServer } from "node:net";
import { describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import {
  containerHosts, containerResolvConf, disconnectContainer, inspectNetwork, NetworkInUseError, parsePublish, PortInUseError, type ContainerNetworkState,
} from "../../../../src/runtime/network/index.js";
import { aardvarkRunning, exists, inNetns, iptablesRules, useNetworkFixture } from "./network-fixture.js";

/** Read what a TCP server at 127.0.0.1:port says before it closes; undefined when nothing answers. */
function tcpAnswer(port: number, timeoutMs = 2_000): Promise<string | undefined> {
  return new Promise((resolve) => {
    const s = connect({ host: "127.0.0.1", port });
    let text = "";
    const timer = setTimeout(() => s.destroy(), timeoutMs);
    s.on("data", (b: Buffer) => (text += b.toString()));
    s.on("close", () => {
      clearTimeout(timer);
      resolve(text === "" ? undefined : text);
    });
    s.on("error", () => undefined);
  });
}

/** Send one datagram to 127.0.0.1:port and wait for one answer; undefined when none comes. */
function udpAnswer(port: number, payload: string, timeoutMs = 1_000): Promise<string | undefined> {
  return new Promise((resolve) => {
    const s = createSocket("udp4");
    const done = (v: string | undefined): void => {
      clearTimeout(timer);
      s.close();
      resolve(v);
    };
    const timer = setTimeout(() => done(undefined), timeoutMs);
    s.on("message", (m) => done(m.toString()));
    s.on("error", () => done(undefined));
    s.send(payload, port, "127.0.0.1");
  });
}

/** Poll `probe` up to `tries` times, `gapMs` apart, until it gives a value. */
async function eventually<T>(probe: () => Promise<T | undefined>, tries = 25, gapMs = 200): Promise<T | undefined> {
  for (let i = 0; i < tries; i++) {
    const v = await probe();
    if (v !== undefined) return v;
    await sleep(gapMs);
  }
  return undefined;
}

/** Run a server in a namespace; stopped by its pid in finally. */
function serveIn(netns: string, cmd: string, args: readonly string[]): ChildProcess {
  return spawn("ip", ["netns", "exec", basename(netns), cmd, ...args], { stdio: "ignore" });
}

const stop = (child: ChildProcess): void => {
  if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
};

// DNS forwarding from aardvark-dns goes to 127.0.0.1, never to the host's resolvers: the tests resolve container names only.
const LOCAL_DNS = ["127.0.0.1"];

describe("container networking with netavark and aardvark-dns (as root)", () => {
  const fixture = useNetworkFixture();
  let a: { id: string; netns: string; state?: ContainerNetworkState };
  let b: { id: string; netns: string; state?: ContainerNetworkState };

  it("two containers on a user network reach each other by address, and by name and alias through aardvark-dns", async (t) => {
    const fx = await fixture(t);
    if (!fx) return;
    const net = await fx.store.create("appnet", { subnet: await fx.subnet() });
    a = await fx.container();
    b = await fx.container();
    a.state = await fx.connect({ containerId: a.id, containerName: "alpha", netnsPath: a.netns, networks: [{ name: "appnet", aliases: ["db"] }], dnsServers: LOCAL_DNS });
    b.state = await fx.connect({ containerId: b.id, containerName: "beta", netnsPath: b.netns, networks: [{ name: "appnet", aliases: ["cache"] }], dnsServers: LOCAL_DNS });
    const ipA = a.state.networks.appnet!.ipv4;
    const ipB = b.state.networks.appnet!.ipv4;
    assert.notEqual(ipA, ipB);
    assert.deepEqual([a.state.networks.appnet!.gateway, a.state.networks.appnet!.prefixLength, a.state.dnsServers], [net.gateway, 24, [net.gateway]]);
    assert.match(a.state.networks.appnet!.mac, /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
    assert.ok(await exists(`/sys/class/net/${net.interface}`), "the bridge exists");

    const ping = await inNetns(a.netns, "/bin/busybox", ["ping", "-c1", "-W2", ipB]);
    assert.equal(ping.code, 0, ping.stdout + ping.stderr);
    for (const [from, name, want] of [[a, "beta", ipB], [a, "cache", ipB], [b, "alpha", ipA], [b, "db", ipA], [b, a.id.slice(0, 12), ipA]] as const) {
      const r = await inNetns(from.netns, "/bin/busybox", ["nslookup", name, net.gateway]);
      assert.equal(r.code, 0, `nslookup ${name}: ${r.stdout}${r.stderr}`);
      assert.match(r.stdout, new RegExp(`Address:\\s*${want.replace(/\./g, "\\.")}\\b`), `nslookup ${name} answers ${want}: ${r.stdout}`);
    }

    const j = inspectNetwork(await fx.store.inspect("appnet"));
    assert.deepEqual(Object.keys(j.Containers).sort(), [a.id, b.id].sort());
    assert.equal(j.Containers[a.id]!.IPv4Address, `${ipA}/24`);
    assert.equal(j.Containers[a.id]!.Name, "alpha");
    const resolv = containerResolvConf(a.state, "nameserver 10.255.255.53\n");
    assert.equal(resolv, `search dns.podman\nnameserver ${net.gateway}\n`);
    assert.match(containerHosts(a.state, { hostname: a.id.slice(0, 12), name: "alpha" }), new RegExp(`\n${ipA}\t${a.id.slice(0, 12)} alpha\n$`));

    await assert.rejects(fx.store.remove("appnet"), (e: unknown) => e instanceof NetworkInUseError && e.message.includes(a.id.slice(0, 12)));
    // Connecting again to the same networks gives the recorded state back; to others is refused.
    assert.equal((await fx.connect({ containerId: a.id, netnsPath: a.netns, networks: [{ name: "appnet" }] })).networks.appnet!.ipv4, ipA);
  });

  it("publishes TCP and UDP ports reachable from the host on 127.0.0.1, and refuses them to another container", async (t) => {
    const fx = await fixture(t);
    if (!fx) return;
    assert.ok(a?.state, "needs the first test");
    const c = await fx.container();
    const ports = [...parsePublish("0:80"), ...parsePublish("127.0.0.1::5353/udp")];
    const state = await fx.connect({ containerId: c.id, containerName: "web", netnsPath: c.netns, networks: [{ name: "appnet" }], ports, dnsServers: LOCAL_DNS });
    const [tcp, udp] = state.ports;
    assert.ok(tcp && udp && tcp.hostPort > 0 && udp.hostPort > 0, JSON.stringify(state.ports));
    assert.deepEqual([tcp.hostIp, tcp.containerPort, udp.hostIp, udp.containerPort, udp.protocol], ["", 80, "127.0.0.1", 5353, "udp"]);

    // netavark lets a packet from 127.0.0.1, DNATed to the container, leave through the bridge instead of dropping it as a martian.
    const bridge = (await fx.store.inspect("appnet")).interface;
    assert.equal((await readFile(`/proc/sys/net/ipv4/conf/${bridge}/route_localnet`, "utf8")).trim(), "1");
    const nc = serveIn(c.netns, "/bin/busybox", ["nc", "-ll", "-p", "80", "-e", "/bin/echo", "hi"]);
    const echo = serveIn(c.netns, process.execPath, ["-e",
      "const d=require('dgram').createSocket('udp4');d.on('message',(m,r)=>d.send('pong:'+m,r.port,r.address));d.bind(5353);setTimeout(()=>process.exit(0),60000)"]);
    try {
      assert.equal(await eventually(() => tcpAnswer(tcp.hostPort)), "hi\n", "TCP through 127.0.0.1 (netavark sets route_localnet on the bridge)");
      assert.equal(await eventually(() => udpAnswer(udp.hostPort, "x")), "pong:x", "UDP through 127.0.0.1");
      // From the other container, through its gateway, as docker's hairpin.
      const fromB = await inNetns(b.netns, "/bin/busybox", ["nc", state.networks.appnet!.ipv4, "80"]);
      assert.equal(fromB.stdout, "hi\n");

      const d = await fx.container();
      await assert.rejects(fx.connect({ containerId: d.id, netnsPath: d.netns, networks: [{ name: "appnet" }], ports: [{ ...tcp, hostIp: "127.0.0.1" }] }),
        (e: unknown) => e instanceof PortInUseError && e.hostPort === tcp.hostPort && /another container/.test(e.message));
      assert.ok(!(await iptablesRules()).includes(d.id), "no rule for the refused container");
    } finally {
      stop(nc);
      stop(echo);
    }
    assert.ok((await iptablesRules()).includes(c.id), "DNAT rules name the container");
    await disconnectContainer(fx.store, state, c.id, c.netns);
    assert.ok(!(await iptablesRules()).includes(c.id), "teardown removed the container's rules");
    assert.equal(await tcpAnswer(tcp.hostPort, 500), undefined, "the port no longer forwards");
    assert.equal((await fx.store.inspect("appnet")).containers[c.id], undefined, "address freed");
  });

  it("a host port a process holds: PortInUseError naming it, and nothing left behind", async (t) => {
    const fx = await fixture(t);
    if (!fx) return;
    const server = createServer();
    await new Promise<void>((r) => server.listen({ host: "127.0.0.1", port: 0 }, r));
    const port = (server.address() as { port: number }).port;
    const d = await fx.container();
    try {
      await assert.rejects(fx.connect({ containerId: d.id, netnsPath: d.netns, networks: [{ name: "appnet" }], ports: parsePublish(`127.0.0.1:${port}:80`) }),
        (e: unknown) => e instanceof PortInUseError && e.message.includes(`127.0.0.1:${port}/tcp`));
    } finally {
      server.close();
    }
    assert.ok(!(await iptablesRules()).includes(d.id), "no iptables rule mentions the container");
    assert.equal((await fx.store.inspect("appnet")).containers[d.id], undefined, "no address held");
    const links = await inNetns(d.netns, "ip", ["-o", "link"]);
    assert.deepEqual(links.stdout.trim().split("\n").map((l) => l.split(":")[1]!.trim()), ["lo"], "no interface made");
  });

  it("the last container's teardown removes the bridge, its rules and aardvark-dns; disconnect twice is a no-op", async (t) => {
    const fx = await fixture(t);
    if (!fx) return;
    assert.ok(a?.state && b?.state, "needs the first test");
    const net = await fx.store.inspect("appnet");
    assert.ok(await aardvarkRunning(fx.store), "aardvark-dns serves the network");
    await disconnectContainer(fx.store, a.state, a.id, a.netns);
    assert.ok(await exists(`/sys/class/net/${net.interface}`), "the bridge stays while beta is on it");
    await disconnectContainer(fx.store, b.state, b.id, b.netns);
    await disconnectContainer(fx.store, b.state, b.id, b.netns);
    const rules = await iptablesRules();
    for (const needle of [a.id, b.id, net.subnet]) assert.ok(!rules.includes(needle), `iptables still mentions ${needle}`);
    assert.ok(!(await exists(`/sys/class/net/${net.interface}`)), "the bridge is gone");
    assert.equal(await eventually(async () => ((await aardvarkRunning(fx.store)) ? undefined : true), 25, 200), true, "aardvark-dns stopped");
    assert.equal((await fx.store.remove("appnet")).name, "appnet");
  });
});
