import assert from "node:assert/strict";
import { createSocket } from "node:dgram";
import { createServer, type Server } from "node:net";
import { describe, it } from "node:test";
import { isBerthError } from "../../oci/index.js";
import { PortInUseError } from "./errors.js";
import { overlaps, resolveHostPorts } from "./host-ports.js";
import type { PortMapping } from "./port-mapping.js";

const m = (hostIp: string, hostPort: number, containerPort: number, protocol: "tcp" | "udp" = "tcp", range = 1): PortMapping =>
  ({ hostIp, hostPort, containerPort, protocol, range });

const listen = (host: string): Promise<{ server: Server; port: number }> => new Promise((resolve, reject) => {
  const server = createServer();
  server.once("error", reject);
  server.listen({ host, port: 0 }, () => resolve({ server, port: (server.address() as { port: number }).port }));
});

describe("resolveHostPorts (binds on 127.0.0.1, no root needed)", () => {
  it("gives host port 0 a free port, once per container port", async () => {
    const got = await resolveHostPorts([m("127.0.0.1", 0, 80), m("127.0.0.1", 0, 53, "udp")], []);
    assert.equal(got.length, 2);
    for (const g of got) assert.ok(g.hostPort > 0 && g.hostPort < 65536);
    assert.deepEqual(got.map((g) => [g.containerPort, g.protocol, g.range]), [[80, "tcp", 1], [53, "udp", 1]]);
  });

  it("refuses a TCP port a process holds, naming it", async () => {
    const { server, port } = await listen("127.0.0.1");
    try {
      await assert.rejects(resolveHostPorts([m("127.0.0.1", port, 80)], []), (e: unknown) => e instanceof PortInUseError && e.hostPort === port && e.message.includes(`127.0.0.1:${port}/tcp`));
      // On every address, the loopback listener is in the way too.
      await assert.rejects(resolveHostPorts([m("", port, 80)], []), (e: unknown) => e instanceof PortInUseError && e.message.includes(`0.0.0.0:${port}/tcp`));
      // The same number for UDP is another port.
      const [udp] = await resolveHostPorts([m("127.0.0.1", port, 80, "udp")], []);
      assert.equal(udp!.hostPort, port);
    } finally {
      server.close();
    }
  });

  it("refuses a UDP port a process holds", async () => {
    const sock = createSocket("udp4");
    await new Promise<void>((r) => sock.bind({ address: "127.0.0.1", port: 0 }, r));
    const port = sock.address().port;
    try {
      await assert.rejects(resolveHostPorts([m("127.0.0.1", port, 53, "udp")], []), (e: unknown) => e instanceof PortInUseError && e.message.includes(`/udp`));
    } finally {
      sock.close();
    }
  });

  it("a host range for one port takes its first port no other container publishes and no process holds", async () => {
    const { server, port } = await listen("127.0.0.1");
    try {
      // port-1 another container's, port a process's: port+1 is the first free one (if nothing else took it meanwhile, it is not ours to hold).
      const range = { ...m("127.0.0.1", port - 1, 80), hostPortEnd: port + 3 };
      const [got] = await resolveHostPorts([range], [m("", port - 1, 8080)]);
      assert.ok(got!.hostPort > port && got!.hostPort <= port + 3, `got ${got!.hostPort}, range ${port - 1}-${port + 3}`);
      assert.deepEqual({ ...got, hostPort: 0 }, { ...m("127.0.0.1", 0, 80) }, "a plain mapping: one port, no range left");
      // Two mappings of one container take two ports of the range.
      const both = await resolveHostPorts([{ ...range, hostPort: port + 1 }, { ...range, hostPort: port + 1, containerPort: 81 }], []);
      assert.notEqual(both[0]!.hostPort, both[1]!.hostPort);
      // Every port taken: a PortInUseError naming the range.
      await assert.rejects(resolveHostPorts([{ ...m("127.0.0.1", port - 1, 80), hostPortEnd: port }], [m("", port - 1, 8080)]),
        (e: unknown) => e instanceof PortInUseError && e.message.includes(`every other port up to ${port}`));
    } finally {
      server.close();
    }
  });

  it("refuses a host range parsePublish would not give (the daemon's API, an old record) before probing any port", async () => {
    const invalid = (e: unknown): boolean => isBerthError(e, "INVALID_ARGUMENT") && /--publish: /.test((e as Error).message);
    // Backwards: not "every port is taken".
    await assert.rejects(resolveHostPorts([{ ...m("127.0.0.1", 40_010, 80), hostPortEnd: 40_000 }], []), invalid);
    // A range of container ports with a host range: not one port published silently.
    await assert.rejects(resolveHostPorts([{ ...m("127.0.0.1", 40_000, 80, "tcp", 3), hostPortEnd: 40_010 }], []), invalid);
    // All of 1-65535 (every port taken, so nothing is probed either way): refused, not walked under the store's lock.
    await assert.rejects(resolveHostPorts([{ ...m("127.0.0.1", 1, 80), hostPortEnd: 65_535 }], [m("", 1, 1, "tcp", 65_535)]), invalid);
    await assert.rejects(resolveHostPorts([{ ...m("127.0.0.1", 0, 80), hostPortEnd: 10 }], []), invalid);
  });

  it("refuses ports other containers publish, or this one twice, and never picks them", async () => {
    const taken = [m("", 40_000, 80, "tcp", 10)];
    await assert.rejects(resolveHostPorts([m("127.0.0.1", 40_005, 80)], taken), (e: unknown) => e instanceof PortInUseError && /another container/.test(e.message) && e.hostPort === 40_005);
    await assert.rejects(resolveHostPorts([m("127.0.0.1", 40_100, 80), m("", 40_100, 81)], []), (e: unknown) => e instanceof PortInUseError && /twice/.test(e.message));
    assert.ok(!overlaps(taken[0]!, m("", 40_000, 80, "udp")));
    assert.ok(!overlaps(m("127.0.0.1", 1, 1), m("127.0.0.2", 1, 1)));
    assert.ok(overlaps(m("127.0.0.1", 1, 1), m("", 1, 1)));
  });

  it("refuses a host address that is not this machine's", async () => {
    await assert.rejects(resolveHostPorts([m("203.0.113.250", 8080, 80)], []), (e: unknown) => isBerthError(e, "INVALID_ARGUMENT") && /not an address of this host/.test(e.message));
  });
});
