// Bad input and neighbours with real containers: an image that cannot be had, a dependency that never becomes
// healthy (unhealthy, and a wait that runs out), and two projects with the same service names side by side.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DependencyFailedError, ServiceImageError } from "../../../src/orchestrator/index.js";
import { freePort } from "../../support/free-port.js";
import { EventLog, IMAGE, useStackRoot } from "./stack-fixture.js";

const SLEEPER = `    image: ${IMAGE}\n    init: true\n    command: ["/bin/busybox", "sleep", "3600"]\n`;

describe("StackEngine: hostile input and neighbours", () => {
  const stackRoot = useStackRoot();

  it("an image that does not exist: a clear error naming the service and the image, and nothing made", async (t) => {
    const r = stackRoot(t);
    if (!r) return;
    // Nothing listens on a free port of 127.0.0.1: the pull fails at once, without the network.
    const missing = `127.0.0.1:${await freePort()}/no/such-image:1`;
    const project = await r.project("ghost", `name: ghost
services:
  db:
${SLEEPER}  web:
    image: ${missing}
    depends_on: [db]
networks:
  default:
    ipam: {config: [{subnet: \${SUBNET}}]}
volumes:
  data: {}
`);
    const log = new EventLog();
    const started = Date.now();
    await assert.rejects(r.engine().up(project, { onEvent: log.sink }), (e: unknown) =>
      e instanceof ServiceImageError && e.service === "web" && e.image === missing && e.message.includes(`service web: image ${missing}`) && e.hint !== undefined);
    assert.ok(Date.now() - started < 60_000, "the failed pull took over a minute");
    assert.deepEqual(log.changes(), []);
    await r.assertGone("ghost");
  });

  it("a dependency that turns unhealthy: up fails at once naming it and its last health output; the dependent is never made", async (t) => {
    const r = stackRoot(t);
    if (!r) return;
    const project = await r.project("sick", `name: sick
services:
  db:
${SLEEPER}    healthcheck:
      test: ["CMD-SHELL", "echo db is not ready; exit 1"]
      interval: 1s
      retries: 2
  web:
${SLEEPER}    depends_on:
      db: {condition: service_healthy}
networks:
  default:
    ipam: {config: [{subnet: \${SUBNET}}]}
`);
    const engine = r.engine({ dependencyTimeoutMs: 60_000 });
    const started = Date.now();
    await assert.rejects(engine.up(project), (e: unknown) =>
      e instanceof DependencyFailedError && e.service === "web" && e.dependency === "db" && e.failure === "unhealthy"
      && /dependency db \(service_healthy\)/.test(e.message) && /db is not ready/.test(e.message));
    assert.ok(Date.now() - started < 30_000, "the failure took longer than the checks need");
    assert.deepEqual((await r.containers("sick")).map((c) => c.record.name), ["sick-db-1"]);
    await engine.down("sick", { timeoutS: 5 });
    await r.assertGone("sick");
  });

  it("a dependency that never leaves starting: the bounded wait runs out and the error names it", async (t) => {
    const r = stackRoot(t);
    if (!r) return;
    const project = await r.project("slow", `name: slow
services:
  db:
${SLEEPER}    healthcheck:
      test: ["CMD", "/bin/busybox", "false"]
      interval: 1s
      start_period: 1h
  web:
${SLEEPER}    depends_on:
      db: {condition: service_healthy}
    network_mode: none
networks:
  default:
    ipam: {config: [{subnet: \${SUBNET}}]}
`);
    const engine = r.engine({ dependencyTimeoutMs: 3_000 });
    const started = Date.now();
    await assert.rejects(engine.up(project), (e: unknown) =>
      e instanceof DependencyFailedError && e.dependency === "db" && e.failure === "timeout" && /dependency db/.test(e.message) && /after 3 s/.test(e.message));
    const took = Date.now() - started;
    assert.ok(took >= 3_000 && took < 30_000, `the wait took ${took} ms`);
    assert.deepEqual((await r.containers("slow")).map((c) => c.record.name), ["slow-db-1"]);
    await engine.down("slow", { timeoutS: 5 });
    await r.assertGone("slow");
  });

  it("two projects with the same service names side by side: each has its own replicas and network, and down of one leaves the other", async (t) => {
    const r = stackRoot(t);
    if (!r) return;
    const yaml = (name: string): string => `name: ${name}\nservices:\n  web:\n${SLEEPER}    deploy: {replicas: 2}\nnetworks:\n  default:\n    ipam: {config: [{subnet: \${SUBNET}}]}\n`;
    const alpha = await r.project("alpha", yaml("alpha"));
    const beta = await r.project("beta", yaml("beta"));
    const engine = r.engine();
    await Promise.all([engine.up(alpha), engine.up(beta)]);
    assert.deepEqual(Object.keys(await r.ids("alpha")).sort(), ["alpha-web-1", "alpha-web-2"]);
    const betaIds = await r.ids("beta");
    assert.deepEqual(Object.keys(betaIds).sort(), ["beta-web-1", "beta-web-2"]);
    const log = new EventLog();
    assert.equal((await engine.reconcileOnce(beta, { onEvent: log.sink })).actions, 0);
    await engine.down("alpha", { volumes: true, timeoutS: 5 });
    await r.assertGone("alpha");
    assert.deepEqual(await r.ids("beta"), betaIds, "beta's containers changed");
    assert.ok((await r.containers("beta")).every((c) => c.state.status === "running"));
    assert.deepEqual((await r.networks.list()).filter((n) => n.labels["com.docker.compose.project"] === "beta").map((n) => n.name), ["beta_default"]);
    await engine.down(beta, { volumes: true, timeoutS: 5 });
    await r.assertGone("beta");
  });
});
