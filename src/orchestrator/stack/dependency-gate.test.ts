import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { DependencyCondition } from "../compose/index.js";
import { judgeDependency, waitForDependency } from "./dependency-gate.js";
import { DependencyFailedError } from "./errors.js";
import { observed } from "./observed.test-support.js";
import type { ObservedReplica } from "./observe-stack.js";

const dep = (condition: DependencyCondition) => ({ condition, required: true, restart: false });

describe("judgeDependency", () => {
  const cases: { name: string; condition: DependencyCondition; replicas: ObservedReplica[]; desired?: number; want: string; failure?: string }[] = [
    { name: "started: a running replica", condition: "service_started", replicas: [observed({})], want: "met" },
    { name: "started: one that ran and exited still counts", condition: "service_started", replicas: [observed({ status: "exited", exitCode: 3 })], want: "met" },
    { name: "started: never started", condition: "service_started", replicas: [observed({ status: "created" })], want: "pending" },
    { name: "started: 1 of 2 replicas", condition: "service_started", replicas: [observed({})], desired: 2, want: "pending" },
    { name: "any: 0 desired replicas", condition: "service_healthy", replicas: [], desired: 0, want: "met" },
    { name: "healthy: healthy", condition: "service_healthy", replicas: [observed({ health: "healthy" })], want: "met" },
    { name: "healthy: starting", condition: "service_healthy", replicas: [observed({ health: "starting" })], want: "pending" },
    { name: "healthy: one of two starting", condition: "service_healthy", replicas: [observed({ health: "healthy" }), observed({ number: 2, health: "starting" })], desired: 2, want: "pending" },
    { name: "healthy: unhealthy fails at once", condition: "service_healthy", replicas: [observed({ health: "unhealthy", healthOutput: "no db" })], want: "failed", failure: "unhealthy" },
    { name: "healthy: no check fails", condition: "service_healthy", replicas: [observed({})], want: "failed", failure: "no-healthcheck" },
    { name: "healthy: exited fails", condition: "service_healthy", replicas: [observed({ status: "exited", exitCode: 1, hasCheck: true })], want: "failed", failure: "exited" },
    { name: "completed: exited 0", condition: "service_completed_successfully", replicas: [observed({ status: "exited", exitCode: 0 })], want: "met" },
    { name: "completed: still running", condition: "service_completed_successfully", replicas: [observed({})], want: "pending" },
    { name: "completed: exited 2 fails", condition: "service_completed_successfully", replicas: [observed({ status: "exited", exitCode: 2 })], want: "failed", failure: "failed" },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const g = judgeDependency(dep(c.condition), c.replicas, c.desired ?? 1);
      assert.equal(g.state, c.want, JSON.stringify(g));
      if (c.failure !== undefined) assert.equal(g.state === "failed" && g.failure, c.failure);
    });
  }
  it("an unhealthy dependency carries its last health check output", () => {
    const g = judgeDependency(dep("service_healthy"), [observed({ health: "unhealthy", healthOutput: "connection refused" })], 1);
    assert.equal(g.state === "failed" && g.lastHealthOutput, "connection refused");
  });
});

describe("waitForDependency", () => {
  it("is bounded: a dependency that stays starting fails after the timeout, naming it and its last output", async () => {
    const events: string[] = [];
    const started = Date.now();
    await assert.rejects(
      waitForDependency("web", "db", dep("service_healthy"), 1, async () => [observed({ health: "starting", healthOutput: "not yet" })], (_s, a, d) => events.push(`${a}: ${d}`), { timeoutMs: 300, pollMs: 20 }),
      (e: unknown) => e instanceof DependencyFailedError && e.failure === "timeout" && e.dependency === "db" && /dependency db/.test(e.message) && /not yet/.test(e.message),
    );
    assert.ok(Date.now() - started < 2_000);
    assert.deepEqual(events.map((e) => e.split(":")[0]), ["wait"]);
  });
  it("resolves once the condition holds, saying it waited and that it is ready", async () => {
    let calls = 0;
    const events: string[] = [];
    await waitForDependency("web", "db", dep("service_healthy"), 1, async () => [observed({ health: ++calls < 3 ? "starting" : "healthy" })], (_s, a) => events.push(a), { timeoutMs: 5_000, pollMs: 5 });
    assert.deepEqual(events, ["wait", "ready"]);
    assert.equal(calls, 3);
  });
});
