import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { containerNetworkState } from "./container-network-state.js";
import { netavarkInput, type NetavarkEntry } from "./netavark.js";
import type { NetworkRecord } from "./network-record.js";

const ID = "f".repeat(64);
const network = (name: string, subnet: string, dns: boolean): NetworkRecord => ({
  schemaVersion: 1, name, id: name.padEnd(64, "0").replace(/[^0-9a-f]/g, "0"), created: "2026-01-01T00:00:00.000Z", driver: "bridge",
  interface: `berth${name.length}`, subnet, gateway: subnet.replace(/0\/\d+$/, "1"), internal: false, dns, labels: {}, containers: {},
});
const ports = [{ hostIp: "", hostPort: 8080, containerPort: 80, protocol: "tcp" as const, range: 1 }];
const entries: NetavarkEntry[] = [
  { network: network("web", "10.89.3.0/24", true), attachment: { ipv4: "10.89.3.2", interface: "eth0", aliases: ["api", "ffffffffffff"], ports, status: "allocated" } },
  { network: network("bridge", "10.88.0.0/16", false), attachment: { ipv4: "10.88.0.9", interface: "eth1", aliases: [], ports, status: "allocated" } },
];

describe("netavark input and status", () => {
  it("tells netavark each network, the address berth chose, aliases and ports, in netavark 1.4's field names", () => {
    const input = netavarkInput(ID, "app", entries, ports, ["127.0.0.1"]);
    assert.deepEqual(input.networks, {
      web: { static_ips: ["10.89.3.2"], aliases: ["api", "ffffffffffff"], interface_name: "eth0" },
      bridge: { static_ips: ["10.88.0.9"], aliases: [], interface_name: "eth1" },
    });
    assert.deepEqual(input.port_mappings, [{ host_ip: "", container_port: 80, host_port: 8080, range: 1, protocol: "tcp" }]);
    assert.deepEqual(input.dns_servers, ["127.0.0.1"]);
    assert.equal(input.container_name, "app");
    assert.deepEqual(input.network_info.web, {
      name: "web", id: entries[0]!.network.id, driver: "bridge", network_interface: "berth3", created: "2026-01-01T00:00:00.000Z",
      subnets: [{ subnet: "10.89.3.0/24", gateway: "10.89.3.1" }], ipv6_enabled: false, internal: false, dns_enabled: true, ipam_options: { driver: "host-local" },
    });
    assert.equal("dns_servers" in netavarkInput(ID, "app", entries, []), false);
  });

  it("reads MAC, prefix and DNS from netavark's status; falls back to the records", () => {
    const status = {
      web: { dns_search_domains: ["dns.podman"], dns_server_ips: ["10.89.3.1"], interfaces: { eth0: { mac_address: "6a:00:00:00:00:01", subnets: [{ gateway: "10.89.3.1", ipnet: "10.89.3.2/24" }] } } },
      bridge: { interfaces: { eth1: { mac_address: "6a:00:00:00:00:02", subnets: [{ gateway: "10.88.0.1", ipnet: "10.88.0.9/16" }] } } },
    };
    const s = containerNetworkState(ID, entries, status);
    assert.deepEqual(s.networks.web, { networkId: entries[0]!.network.id, interface: "eth0", ipv4: "10.89.3.2", prefixLength: 24, gateway: "10.89.3.1", mac: "6a:00:00:00:00:01", aliases: ["api", "ffffffffffff"], dns: true });
    assert.equal(s.networks.bridge!.prefixLength, 16);
    assert.deepEqual([s.dnsServers, s.dnsSearch, s.ports], [["10.89.3.1"], ["dns.podman"], ports]);
    assert.deepEqual(Object.keys(s.networks), ["web", "bridge"]);
    const recorded = containerNetworkState(ID, entries);
    assert.deepEqual([recorded.networks.web!.mac, recorded.networks.web!.prefixLength, recorded.dnsServers], ["", 24, ["10.89.3.1"]]);
    assert.deepEqual(JSON.parse(JSON.stringify(s)), s, "JSON-serialisable");
  });
});
