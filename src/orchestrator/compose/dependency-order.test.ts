import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { dependencyOrder, DependencyCycleError } from "./dependency-order.js";
import type { ComposeService, ServiceDependency } from "./compose-service.js";

const dep: ServiceDependency = { condition: "service_started", required: true, restart: false };
const project = (graph: Record<string, string[]>) => ({
  services: Object.fromEntries(Object.entries(graph).map(([n, deps]) => [n, { dependsOn: Object.fromEntries(deps.map((d) => [d, dep])) } as unknown as ComposeService])),
});

describe("dependencyOrder", () => {
  const CASES: readonly [string, Record<string, string[]>, string[]][] = [
    ["no dependencies: alphabetical", { web: [], db: [], cache: [] }, ["cache", "db", "web"]],
    ["a chain", { web: ["api"], api: ["db"], db: [] }, ["db", "api", "web"]],
    ["a diamond", { web: ["a", "b"], a: ["db"], b: ["db"], db: [] }, ["db", "a", "b", "web"]],
    ["dependencies outside the project are not waited for", { web: ["gone"] }, ["web"]],
    ["the spec's depends_on example", { web: ["db", "redis"], redis: [], db: [] }, ["db", "redis", "web"]],
    ["empty project", {}, []],
  ];
  for (const [name, graph, want] of CASES) it(name, () => assert.deepEqual(dependencyOrder(project(graph)), want));

  const CYCLES: readonly [string, Record<string, string[]>, string][] = [
    ["two services", { a: ["b"], b: ["a"] }, "a → b → a"],
    ["itself", { a: ["a"] }, "a → a"],
    ["three, behind a healthy one", { ok: [], x: ["y"], y: ["z"], z: ["x", "ok"] }, "x → y → z → x"],
    ["a cycle reached through a service outside it", { top: ["a"], a: ["b"], b: ["a"] }, "a → b → a"],
  ];
  for (const [name, graph, cycle] of CYCLES) {
    it(`names the cycle: ${name}`, () => {
      assert.throws(() => dependencyOrder(project(graph)), (e: Error) => e instanceof DependencyCycleError && e.message.endsWith(cycle) && e.code === "INVALID_ARGUMENT");
    });
  }

  it("orders 2000 services in a chain quickly", () => {
    const graph: Record<string, string[]> = {};
    for (let i = 0; i < 2000; i++) graph[`s${String(i).padStart(4, "0")}`] = i === 0 ? [] : [`s${String(i - 1).padStart(4, "0")}`];
    const started = Date.now();
    const order = dependencyOrder(project(graph));
    assert.equal(order[0], "s0000");
    assert.equal(order[1999], "s1999");
    assert.ok(Date.now() - started < 5000);
  });
});
