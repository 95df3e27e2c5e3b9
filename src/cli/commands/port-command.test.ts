import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isBerthError } from "../../oci/index.js";
import { parsePrivatePort, portLines, type PortBindings } from "./port-command.js";

describe("berth port", () => {
  it("reads PRIVATE_PORT[/PROTO] as docker's CLI: tcp by default, a number 0-65535", () => {
    const cases: readonly { arg: string; want?: string; expectErr?: RegExp }[] = [
      { arg: "80", want: "80/tcp" },
      { arg: "80/tcp", want: "80/tcp" },
      { arg: "53/udp", want: "53/udp" },
      { arg: "80/", want: "80/tcp" },
      { arg: "0", want: "0/tcp" },
      { arg: "abc", expectErr: /^invalid port \(abc\)/ },
      { arg: "/tcp", expectErr: /^invalid port \(\)/ },
      { arg: "65536", expectErr: /^invalid port \(65536\)/ },
      { arg: "-1", expectErr: /^invalid port \(-1\)/ },
    ];
    for (const c of cases) {
      if (c.expectErr) assert.throws(() => parsePrivatePort(c.arg), (e: unknown) => isBerthError(e, "INVALID_ARGUMENT") && c.expectErr!.test(e.message), c.arg);
      else assert.equal(parsePrivatePort(c.arg), c.want, c.arg);
    }
  });

  const ports: PortBindings = {
    "8443/tcp": [{ HostIp: "0.0.0.0", HostPort: "8443" }],
    "90/udp": [{ HostIp: "0.0.0.0", HostPort: "9090" }, { HostIp: "::", HostPort: "9090" }],
    "80/tcp": [{ HostIp: "127.0.0.1", HostPort: "8080" }],
    "90/tcp": [{ HostIp: "127.0.0.1", HostPort: "9091" }],
    "443/tcp": null,
  };

  it("lists every published address as `80/tcp -> 127.0.0.1:8080`, by port then protocol", () => {
    assert.deepEqual(portLines(ports), [
      "80/tcp -> 127.0.0.1:8080",
      "90/tcp -> 127.0.0.1:9091",
      "90/udp -> 0.0.0.0:9090",
      "90/udp -> [::]:9090",
      "8443/tcp -> 0.0.0.0:8443",
    ]);
    assert.deepEqual(portLines({}), []);
  });

  it("with a private port, its host addresses alone; undefined when it is not published", () => {
    assert.deepEqual(portLines(ports, "80/tcp"), ["127.0.0.1:8080"]);
    assert.deepEqual(portLines(ports, "90/udp"), ["0.0.0.0:9090", "[::]:9090"]);
    assert.equal(portLines(ports, "81/tcp"), undefined);
    assert.equal(portLines(ports, "80/udp"), undefined);
    assert.equal(portLines(ports, "443/tcp"), undefined);
  });
});
