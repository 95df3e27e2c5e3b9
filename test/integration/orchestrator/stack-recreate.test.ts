// up --force-recreate: every selected replica is made again though nothing changed (anonymous volumes kept); a
// plain up after it changes nothing.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { EventLog, execOk, IMAGE, useStackRoot } from "./stack-fixture.js";

const YAML = `name: again
services:
  app:
    image: ${IMAGE}
    init: true
    command: ["/bin/busybox", "sleep", "3600"]
    volumes: ["/anon"]
    network_mode: none
    deploy: {replicas: 2}
  other:
    image: ${IMAGE}
    init: true
    command: ["/bin/busybox", "sleep", "3600"]
    network_mode: none
`;

const WITH_DEP = `name: dep
services:
  app:
    image: ${IMAGE}
    init: true
    command: ["/bin/busybox", "sleep", "3600"]
    network_mode: none
    depends_on: [db]
  db:
    image: ${IMAGE}
    init: true
    command: ["/bin/busybox", "sleep", "3600"]
    network_mode: none
`;

describe("up --force-recreate", () => {
  const stackRoot = useStackRoot();

  it("recreates the selected service's replicas, keeps their anonymous volumes, leaves the others", async (t) => {
    const r = stackRoot(t);
    if (!r) return;
    const engine = r.engine();
    const project = await r.project("again", YAML);
    await engine.up(project, { timeoutS: 1 });
    await execOk(r, "again-app-1", "echo kept > /anon/f");
    const before = await r.ids("again");
    const log = new EventLog();
    await engine.up(project, { services: ["app"], forceRecreate: true, timeoutS: 1, onEvent: log.sink });
    assert.deepEqual(log.changes().sort(), ["recreate again-app-1", "recreate again-app-2"]);
    const after = await r.ids("again");
    assert.notEqual(after["again-app-1"], before["again-app-1"]);
    assert.notEqual(after["again-app-2"], before["again-app-2"]);
    assert.equal(after["again-other-1"], before["again-other-1"]);
    assert.equal(await execOk(r, "again-app-1", "cat /anon/f"), "kept\n");
    log.clear();
    await engine.up(project, { timeoutS: 1, onEvent: log.sink });
    assert.deepEqual(log.changes(), []);
    await engine.down("again", { timeoutS: 1, volumes: true });
    await r.assertGone("again");
  });

  it("recreates only the named service, not the dependency it pulls in; with none named, every service", async (t) => {
    const r = stackRoot(t);
    if (!r) return;
    const engine = r.engine();
    const project = await r.project("dep", WITH_DEP);
    await engine.up(project, { timeoutS: 1 });
    const log = new EventLog();
    await engine.up(project, { services: ["app"], forceRecreate: true, timeoutS: 1, onEvent: log.sink });
    assert.deepEqual(log.changes(), ["recreate dep-app-1"]);
    log.clear();
    await engine.up(project, { forceRecreate: true, timeoutS: 1, onEvent: log.sink });
    assert.deepEqual(log.changes().sort(), ["recreate dep-app-1", "recreate dep-db-1"]);
    await engine.down("dep", { timeoutS: 1, volumes: true });
    await r.assertGone("dep");
  });
});
