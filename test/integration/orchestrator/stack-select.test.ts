// `up SERVICE…` does those services and their dependencies, and nothing else, now or later: the desired state it
// records must not make a reconcile pass (the daemon's loop) start the services it left out.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { IMAGE, useStackRoot } from "./stack-fixture.js";

const service = (extra = ""): string => `
    image: ${IMAGE}
    init: true
    command: ["/bin/busybox", "sleep", "3600"]
    network_mode: none${extra}`;

const TRIO = `name: trio
services:
  a:${service()}
  b:${service(`
    depends_on: [a]`)}
  d:${service(`
    deploy: {replicas: 2}`)}
`;

describe("up SERVICE", () => {
  const stackRoot = useStackRoot();

  it("starts the service and its dependencies; a reconcile pass then starts nothing else; up of the other one starts it", async (t) => {
    const r = stackRoot(t);
    if (!r) return;
    const engine = r.engine();
    const project = await r.project("trio", TRIO);
    await engine.up(project, { services: ["b"], timeoutS: 1 });
    const names = async (): Promise<string[]> => (await r.containers("trio")).map((c) => c.record.name ?? "").sort();
    assert.deepEqual(await names(), ["trio-a-1", "trio-b-1"]);
    const pass = await engine.reconcileOnce(project, { timeoutS: 1 });
    assert.equal(pass.actions, 0);
    assert.deepEqual(await names(), ["trio-a-1", "trio-b-1"], "a reconcile pass started a service up SERVICE left out");
    await engine.up(project, { services: ["d"], timeoutS: 1 });
    await engine.reconcileOnce(project, { timeoutS: 1 });
    assert.deepEqual(await names(), ["trio-a-1", "trio-b-1", "trio-d-1", "trio-d-2"]);
    await engine.down("trio", { timeoutS: 1, volumes: true });
    await r.assertGone("trio");
  });
});
