import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isBerthError } from "../../oci/index.js";
import { allocateAddress, gatewayFor } from "./ipam.js";
import type { NetworkAttachment, NetworkRecord } from "./network-record.js";

const ID = (n: number): string => n.toString(16).padStart(64, "0");
const attach = (ipv4: string): NetworkAttachment => ({ ipv4, interface: "eth0", aliases: [], ports: [], status: "connected" });

function net(subnet: string, gateway: string, held: Record<string, string> = {}, lastAllocated?: string): NetworkRecord {
  return {
    schemaVersion: 1, name: "n", id: "a".repeat(64), created: "", driver: "bridge", interface: "berth1", subnet, gateway,
    internal: false, dns: true, labels: {}, ...(lastAllocated && { lastAllocated }),
    containers: Object.fromEntries(Object.entries(held).map(([id, ip]) => [id, attach(ip)])),
  };
}

describe("allocateAddress", () => {
  it("gives the first host address after the gateway, then the next", () => {
    assert.equal(allocateAddress(net("10.89.0.0/24", "10.89.0.1"), ID(1)), "10.89.0.2");
    assert.equal(allocateAddress(net("10.89.0.0/24", "10.89.0.1", { [ID(1)]: "10.89.0.2" }, "10.89.0.2"), ID(2)), "10.89.0.3");
  });

  it("is idempotent for a container that holds an address", () => {
    const n = net("10.89.0.0/24", "10.89.0.1", { [ID(1)]: "10.89.0.9" }, "10.89.0.20");
    assert.equal(allocateAddress(n, ID(1)), "10.89.0.9");
    assert.equal(allocateAddress(n, ID(1), "10.89.0.9"), "10.89.0.9");
  });

  it("does not reuse a just-freed address at once, and wraps around at the end", () => {
    assert.equal(allocateAddress(net("10.89.0.0/24", "10.89.0.1", {}, "10.89.0.5"), ID(1)), "10.89.0.6");
    assert.equal(allocateAddress(net("10.89.0.0/24", "10.89.0.1", {}, "10.89.0.254"), ID(1)), "10.89.0.2");
  });

  it("never gives the network, gateway or broadcast address", () => {
    const n = net("192.168.7.4/30", "192.168.7.6");
    assert.equal(allocateAddress(n, ID(1)), "192.168.7.5");
    const full = net("192.168.7.4/30", "192.168.7.6", { [ID(1)]: "192.168.7.5" }, "192.168.7.5");
    assert.throws(() => allocateAddress(full, ID(2)), (e: unknown) => isBerthError(e, "UNAVAILABLE") && /no free address left in 192\.168\.7\.4\/30/.test(e.message));
  });

  const requests: readonly { ip: string; expectErr: RegExp }[] = [
    { ip: "10.89.0.1", expectErr: /it is the gateway/ },
    { ip: "10.89.0.2", expectErr: /held by another container/ },
    { ip: "10.89.0.0", expectErr: /not a host address/ },
    { ip: "10.89.0.255", expectErr: /not a host address/ },
    { ip: "10.90.0.5", expectErr: /not a host address/ },
    { ip: "10.89.0.300", expectErr: /not an IPv4 address/ },
  ];
  for (const r of requests) {
    it(`refuses --ip ${r.ip}`, () => {
      const n = net("10.89.0.0/24", "10.89.0.1", { [ID(1)]: "10.89.0.2" });
      assert.throws(() => allocateAddress(n, ID(2), r.ip), (e: unknown) => isBerthError(e) && r.expectErr.test(e.message));
    });
  }

  it("gives a free requested address", () => {
    assert.equal(allocateAddress(net("10.89.0.0/24", "10.89.0.1"), ID(2), "10.89.0.77"), "10.89.0.77");
  });
});

describe("gatewayFor", () => {
  it("defaults to the first host address and checks a given one", () => {
    assert.equal(gatewayFor("10.89.3.0/24"), "10.89.3.1");
    assert.equal(gatewayFor("10.89.3.0/24", "10.89.3.254"), "10.89.3.254");
    for (const bad of ["10.89.3.0", "10.89.3.255", "10.89.4.1", "x"]) {
      assert.throws(() => gatewayFor("10.89.3.0/24", bad), (e: unknown) => isBerthError(e, "INVALID_ARGUMENT") && /^--gateway/.test(e.message), bad);
    }
    assert.throws(() => gatewayFor("10.89.3.0/31"), (e: unknown) => isBerthError(e, "INVALID_ARGUMENT") && /too small/.test(e.message));
  });
});
