import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { containerHosts, containerResolvConf } from "./container-etc-files.js";
import type { ContainerNetwork, ContainerNetworkState } from "./container-network-state.js";

const net = (ipv4: string, dns: boolean): ContainerNetwork => ({
  networkId: "a".repeat(64), interface: "eth0", ipv4, prefixLength: 24, gateway: ipv4.replace(/\.\d+$/, ".1"), mac: "02:00:00:00:00:01", aliases: [], dns,
});
const state = (networks: Record<string, ContainerNetwork>, dnsServers: string[] = [], dnsSearch: string[] = []): ContainerNetworkState =>
  ({ containerId: "c".repeat(64), networks, dnsServers, dnsSearch, ports: [] });

const HOST = "# generated\ndomain example.test\nsearch corp.test lab.test\nnameserver 127.0.0.53\nnameserver 10.255.255.53\nnameserver fd00::53\noptions edns0 trust-ad\n";

describe("container /etc files", () => {
  it("hosts: loopback lines, then the container's own addresses with hostname and name", () => {
    const text = containerHosts(state({ web: net("10.89.0.2", true), bridge: net("10.88.0.5", false) }), { hostname: "c0ffee", name: "web1" });
    const lines = text.trimEnd().split("\n");
    assert.equal(lines[0], "127.0.0.1\tlocalhost");
    assert.deepEqual(lines.slice(-2), ["10.89.0.2\tc0ffee web1", "10.88.0.5\tc0ffee web1"]);
    assert.ok(text.endsWith("\n"));
    assert.match(containerHosts(state({ n: net("10.89.0.2", true) }), { hostname: "same", name: "same" }), /10\.89\.0\.2\tsame\n$/);
  });

  it("resolv.conf on a DNS network: aardvark at the gateway, its search domain first, host options kept", () => {
    const text = containerResolvConf(state({ web: net("10.89.0.2", true) }, ["10.89.0.1"], ["dns.podman"]), HOST);
    assert.equal(text, "search dns.podman corp.test lab.test\nnameserver 10.89.0.1\noptions edns0 trust-ad\n");
  });

  it("resolv.conf without DNS: the host's reachable nameservers (no loopback, no IPv6)", () => {
    assert.equal(containerResolvConf(state({ bridge: net("10.88.0.2", false) }), HOST),
      "search corp.test lab.test\nnameserver 10.255.255.53\noptions edns0 trust-ad\n");
  });

  it("resolv.conf falls back to docker's 8.8.8.8 and 8.8.4.4 when the host has none a container can reach", () => {
    assert.equal(containerResolvConf(state({ bridge: net("10.88.0.2", false) }), "nameserver 127.0.0.53\n"), "nameserver 8.8.8.8\nnameserver 8.8.4.4\n");
    assert.equal(containerResolvConf(state({ bridge: net("10.88.0.2", false) }), ""), "nameserver 8.8.8.8\nnameserver 8.8.4.4\n");
  });

  it("resolv.conf honours --dns and --dns-search", () => {
    assert.equal(containerResolvConf(state({ bridge: net("10.88.0.2", false) }), HOST, { dnsServers: ["192.0.2.53"], dnsSearch: [] }),
      "nameserver 192.0.2.53\noptions edns0 trust-ad\n");
  });
});
