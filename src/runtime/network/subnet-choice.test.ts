import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatCidr, parseCidr } from "./ipv4.js";
import { parseProcRoutes, pickSubnet } from "./subnet-choice.js";

const PROC_ROUTE = `Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT
eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0
eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0
berth1\t0000590A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0
podman0\t0000580A\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0
garbage line
`;

describe("subnet choice", () => {
  it("reads /proc/net/route, leaving out the default route", () => {
    const routes = parseProcRoutes(PROC_ROUTE).map((r) => `${r.iface} ${formatCidr(r.destination)}`);
    assert.deepEqual(routes, ["eth0 192.0.2.0/24", "berth1 10.89.0.0/24", "podman0 10.88.0.0/16"]);
    assert.deepEqual(parseProcRoutes(""), []);
  });

  const cases: readonly { name: string; taken: string[]; want: string | undefined }[] = [
    { name: "nothing taken: the first", taken: [], want: "10.89.0.0/24" },
    { name: "skips networks and routes", taken: ["10.89.0.0/24", "10.89.1.0/24", "10.89.3.0/24"], want: "10.89.2.0/24" },
    { name: "a wide route covers many", taken: ["10.89.0.0/20"], want: "10.89.16.0/24" },
    { name: "a narrow route inside a /24 still takes it", taken: ["10.89.0.128/25"], want: "10.89.1.0/24" },
    { name: "all taken", taken: ["10.0.0.0/8"], want: undefined },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const got = pickSubnet(c.taken.map((t) => parseCidr(t, "t")));
      assert.equal(got && formatCidr(got), c.want);
    });
  }
});
