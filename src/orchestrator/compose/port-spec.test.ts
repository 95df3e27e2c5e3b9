import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { parseExposeSpec, parseLongPortSpec, parsePortSpec, portKey, type PortMapping } from "./port-spec.js";

const m = (target: number, published?: [number, number], hostIp?: string, protocol: PortMapping["protocol"] = "tcp"): PortMapping => ({
  target, ...(published && { published: { start: published[0], end: published[1] } }), ...(hostIp && { hostIp }), protocol, mode: "ingress",
});

describe("parsePortSpec (short syntax)", () => {
  const OK: readonly [string | number, PortMapping[]][] = [
    ["3000", [m(3000)]],
    [3000, [m(3000)]],
    ["3000-3002", [m(3000), m(3001), m(3002)]],
    ["8080:80", [m(80, [8080, 8080])]],
    ["9090-9091:8080-8081", [m(8080, [9090, 9090]), m(8081, [9091, 9091])]],
    ["8000-9000:80", [m(80, [8000, 9000])]],
    ["127.0.0.1:8080:80/udp", [m(80, [8080, 8080], "127.0.0.1", "udp")]],
    ["127.0.0.1:5000-5001:5000-5001", [m(5000, [5000, 5000], "127.0.0.1"), m(5001, [5001, 5001], "127.0.0.1")]],
    ["127.0.0.1::80", [m(80, undefined, "127.0.0.1")]],
    ["6060:6060/udp", [m(6060, [6060, 6060], undefined, "udp")]],
    ["[::1]:6001:6001", [m(6001, [6001, 6001], "::1")]],
    ["0:80", [m(80)]],
    ["80/SCTP", [m(80, undefined, undefined, "sctp")]],
  ];
  for (const [spec, want] of OK) it(JSON.stringify(spec), () => assert.deepEqual(parsePortSpec(spec), want));

  const BAD: readonly [string, RegExp][] = [
    ["", /empty/], ["-3000", /not a port/], [":80", /empty host port/], ["6060:6060/random", /protocol/], ["70000", /0 to 65535|1 to 65535/],
    ["0", /1 to 65535/], ["9090-9092:8080-8081", /differ in length/], ["999.1.1.1:80:80", /not an IP/], ["80:80:80:80", /not an IP/],
    ["8081-8080", /ends before/], ["abc", /not a port/],
  ];
  for (const [spec, err] of BAD) it(`refuses ${JSON.stringify(spec)}`, () => assert.throws(() => parsePortSpec(spec), err));
});

describe("parseLongPortSpec", () => {
  it("reads every field", () => {
    assert.deepEqual(parseLongPortSpec({ target: 80, published: "8080", host_ip: "127.0.0.1", protocol: "tcp", mode: "host", name: "web", app_protocol: "http" }),
      { target: 80, published: { start: 8080, end: 8080 }, hostIp: "127.0.0.1", protocol: "tcp", mode: "host", name: "web", appProtocol: "http" });
  });
  it("takes a range to publish on and string ports", () => {
    assert.deepEqual(parseLongPortSpec({ target: "443", published: "8083-9000" }), m(443, [8083, 9000]));
  });
  for (const [spec, err] of [
    [{ target: 80, published: 65536 }, /0 to 65535/], [{ target: 80, protocol: "random" }, /protocol/], [{ target: 80, mode: "swarm" }, /mode/],
    [{ target: "80-81" }, /one port/], [{ target: 80, host_ip: "localhost" }, /not an IP/],
  ] as const) it(`refuses ${JSON.stringify(spec)}`, () => assert.throws(() => parseLongPortSpec(spec), err));
  it("gives the short and the long syntax of one mapping the same merge key", () => {
    assert.equal(portKey(parsePortSpec("127.0.0.1:8080:80")[0]!), portKey(parseLongPortSpec({ target: 80, published: 8080, host_ip: "127.0.0.1" })));
  });
});

describe("parseExposeSpec", () => {
  for (const [spec, want] of [["3000", { start: 3000, end: 3000, protocol: "tcp" }], [8000, { start: 8000, end: 8000, protocol: "tcp" }], ["8080-8085/tcp", { start: 8080, end: 8085, protocol: "tcp" }], ["53/udp", { start: 53, end: 53, protocol: "udp" }]] as const) {
    it(JSON.stringify(spec), () => assert.deepEqual(parseExposeSpec(spec), want));
  }
  for (const bad of ["123456", "1234-123456", "-123", "123-123/random", "1/tcp/x"]) it(`refuses ${bad}`, () => assert.throws(() => parseExposeSpec(bad), /invalid port/));
});
