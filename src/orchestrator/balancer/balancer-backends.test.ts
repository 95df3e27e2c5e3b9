import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ObservedReplica } from "../stack/observe-stack.js";
import { observed } from "../stack/observed.test-support.js";
import type { PlannedService } from "../stack/stack-plan.js";
import { balancerBackends, balancerKey, desiredBalancers } from "./balancer-backends.js";

const PORT_8080 = [{ hostIp: "0.0.0.0", hostPort: 8080, targetPort: 80, protocol: "tcp" as const }];
const service = (balancedPorts: PlannedService["balancedPorts"] | null = PORT_8080): PlannedService => ({
  name: "web", image: "busybox", replicas: 2, configHash: "h", dependsOn: {}, restart: { name: "always", maximumRetryCount: 0 }, hostPaths: [],
  replicaSpecs: [{ number: 1, name: "p-web-1", options: { network: "p_default" } }], ...(balancedPorts !== null && { balancedPorts }),
});

/** A replica of web as observed, on `networks` (name → IPv4) as the runtime records them in the container's state. */
function replica(o: Parameters<typeof observed>[0] & { networks?: Record<string, string> }): ObservedReplica {
  const r = observed({ service: "web", ...o });
  const networks = Object.fromEntries(Object.entries(o.networks ?? { p_default: `10.9.0.${(o.number ?? 1) + 1}` }).map(([k, ipv4]) => [k, { ipv4, interface: "eth0" }]));
  return { ...r, summary: { ...r.summary, state: { ...r.summary.state, network: { containerId: r.summary.record.id, networks } } } };
}

describe("balancerBackends", () => {
  const cases: { name: string; replicas: ObservedReplica[]; want: string[]; exclude?: string[] }[] = [
    { name: "running replicas without a check", replicas: [replica({ number: 1 }), replica({ number: 2 })], want: ["10.9.0.2:80", "10.9.0.3:80"] },
    { name: "healthy ones only", replicas: [replica({ number: 1, health: "healthy" }), replica({ number: 2, health: "unhealthy" })], want: ["10.9.0.2:80"] },
    { name: "a replica in its start period (no verdict yet) is not a backend", replicas: [replica({ number: 1, health: "starting" })], want: [] },
    { name: "a check with no status recorded yet is not a backend", replicas: [replica({ number: 1, hasCheck: true })], want: [] },
    { name: "exited, created and restarting replicas are not", replicas: [replica({ number: 1, status: "exited" }), replica({ number: 2, status: "created" }), replica({ number: 3, status: "restarting" })], want: [] },
    { name: "other services' replicas are not", replicas: [{ ...replica({ number: 1 }), service: "db" }], want: [] },
    { name: "the address on the service's network when the state has several", replicas: [replica({ number: 1, networks: { other: "10.1.1.1", p_default: "10.9.0.7" } })], want: ["10.9.0.7:80"] },
    { name: "no address: no backend (network none, a hostile state)", replicas: [replica({ number: 1, networks: {} }), replica({ number: 2, networks: { p_default: "$(reboot)" } })], want: [] },
    { name: "a replica a rollout drains is left out", replicas: [replica({ number: 1 }), replica({ number: 2 })], exclude: [observed({ service: "web", number: 2 }).summary.record.id], want: ["10.9.0.2:80"] },
    { name: "two containers of one number (start-first update) are both backends", replicas: [replica({ number: 1, networks: { p_default: "10.9.0.2" } }), replica({ number: 1, networks: { p_default: "10.9.0.9" } })], want: ["10.9.0.2:80", "10.9.0.9:80"] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const got = balancerBackends(service(), c.replicas, c.exclude === undefined ? {} : { exclude: new Set(c.exclude) });
      assert.deepEqual(got.map((b) => `${b.host}:${b.port}`), c.want);
    });
  }

  it("a service without balanced ports has no backends unless a target port is given", () => {
    assert.deepEqual(balancerBackends(service(null), [replica({ number: 1 })]), []);
    assert.deepEqual(balancerBackends(service(null), [replica({ number: 1 })], { targetPort: 9000 }).map((b) => b.port), [9000]);
  });
});

describe("desiredBalancers and balancerKey", () => {
  it("one balancer per balanced port, keyed project/service/tcp/hostIp:hostPort (an ephemeral port adds its target)", () => {
    const s = service([
      { hostIp: "0.0.0.0", hostPort: 8080, targetPort: 80, protocol: "tcp" },
      { hostIp: "127.0.0.1", hostPort: 0, targetPort: 9000, protocol: "tcp" },
      { hostIp: "127.0.0.1", hostPort: 0, targetPort: 9001, protocol: "tcp" },
    ]);
    const d = desiredBalancers("shop", [s, service(null)], [replica({ number: 1 })]);
    assert.deepEqual(d.map((x) => [x.key, x.hostIp, x.hostPort, x.backends.map((b) => `${b.host}:${b.port}`)]), [
      ["shop/web/tcp/0.0.0.0:8080", "0.0.0.0", 8080, ["10.9.0.2:80"]],
      ["shop/web/tcp/127.0.0.1:0->9000", "127.0.0.1", 0, ["10.9.0.2:9000"]],
      ["shop/web/tcp/127.0.0.1:0->9001", "127.0.0.1", 0, ["10.9.0.2:9001"]],
    ]);
    assert.equal(balancerKey("p", "s", { hostIp: "10.0.0.1", hostPort: 443, targetPort: 8443, protocol: "tcp" }), "p/s/tcp/10.0.0.1:443");
  });
});
