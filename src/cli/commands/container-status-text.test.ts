import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { PortMapping } from "../../runtime/index.js";
import { portsText } from "./container-status-text.js";

const m = (hostIp: string, hostPort: number, containerPort: number, protocol: "tcp" | "udp" = "tcp", range = 1): PortMapping =>
  ({ hostIp, hostPort, containerPort, protocol, range });

describe("portsText: docker 20.10's ps PORTS", () => {
  it("a range onto other numbers is one entry per port", () => {
    // docker run -p 127.0.0.1:18030-18031:80-81 -p 18040:90/udp (docker adds :::18040->90/udp for IPv6, which berth does not publish)
    assert.equal(portsText([m("127.0.0.1", 18030, 80, "tcp", 2), m("", 18040, 90, "udp")]),
      "127.0.0.1:18030->80/tcp, 127.0.0.1:18031->81/tcp, 0.0.0.0:18040->90/udp");
  });

  it("runs of ports on their own numbers are joined and come first", () => {
    // docker run -p 127.0.0.1:18060-18062:18060-18062 -p 127.0.0.1:18064:18064 -p 127.0.0.1:18070:79 -p 127.0.0.1:18063:18063/udp
    assert.equal(portsText([m("127.0.0.1", 18060, 18060, "tcp", 3), m("127.0.0.1", 18064, 18064), m("127.0.0.1", 18070, 79), m("127.0.0.1", 18063, 18063, "udp")]),
      "127.0.0.1:18060-18062->18060-18062/tcp, 127.0.0.1:18064->18064/tcp, 127.0.0.1:18063->18063/udp, 127.0.0.1:18070->79/tcp");
  });

  it("one port, and none", () => {
    assert.equal(portsText([m("", 8080, 80)]), "0.0.0.0:8080->80/tcp");
    assert.equal(portsText([]), "");
  });
});
