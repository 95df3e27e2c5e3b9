// Anonymous volumes of stack replicas, as docker compose keeps them: a recreated or replaced replica
// mounts its predecessor's again (a config change or a crash must not empty a database), and `down`
// leaves them unless -v.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ANONYMOUS_LABEL } from "../../../src/runtime/index.js";
import { EventLog, execOk, IMAGE, useStackRoot, type StackRoot } from "./stack-fixture.js";

const STORE = (x: string, command = `["/bin/busybox", "sleep", "3600"]`, init = true): string => `name: keep
services:
  db:
    image: ${IMAGE}
    init: ${init}
    restart: always
    environment: {X: "${x}"}
    command: ${command}
    volumes: ["/anon"]
    network_mode: none
`;

const anonymousVolumes = async (r: StackRoot): Promise<string[]> =>
  (await r.runtime.ctx.volumes().list()).filter((v) => Object.hasOwn(v.Labels, ANONYMOUS_LABEL)).map((v) => v.Name).sort();

describe("stack replicas keep their anonymous volumes", () => {
  const stackRoot = useStackRoot();

  it("through a recreate (config changed) and a replace (killed), and down keeps them unless -v", async (t) => {
    const r = stackRoot(t);
    if (!r) return;
    const engine = r.engine();
    await engine.up(await r.project("keep", STORE("1")), { timeoutS: 1 });
    await execOk(r, "keep-db-1", "echo precious > /anon/f");
    const volumes = await anonymousVolumes(r);
    assert.equal(volumes.length, 1);

    const log = new EventLog();
    const changed = await r.project("keep", STORE("2"));
    await engine.up(changed, { timeoutS: 1, onEvent: log.sink });
    assert.deepEqual(log.changes(), ["recreate keep-db-1"]);
    assert.equal(await execOk(r, "keep-db-1", "cat /anon/f"), "precious\n", "the recreated replica lost its volume's data");
    assert.deepEqual(await anonymousVolumes(r), volumes);

    // A crash, not a user's kill (berth kill marks the replica stopped by the user: it would stay stopped).
    const victim = (await r.containers("keep"))[0]!;
    assert.ok(victim.state.pid, "db has no pid");
    process.kill(victim.state.pid.pid, "SIGKILL");
    await r.runtime.wait(victim.record);
    log.clear();
    await engine.reconcileOnce(changed, { onEvent: log.sink, timeoutS: 1 });
    assert.deepEqual(log.changes(), ["replace keep-db-1"]);
    assert.equal(await execOk(r, "keep-db-1", "cat /anon/f"), "precious\n", "the replacement lost its volume's data");
    assert.deepEqual(await anonymousVolumes(r), volumes);

    await engine.down("keep", { timeoutS: 1 });
    assert.deepEqual(await anonymousVolumes(r), volumes, "down without -v removed the anonymous volume");
    await engine.up(changed, { timeoutS: 1 });
    await engine.down("keep", { timeoutS: 1, volumes: true });
    assert.deepEqual((await anonymousVolumes(r)).filter((v) => !volumes.includes(v)), [], "down -v left the new anonymous volume");
    await r.assertGone("keep");
  });

  it("an update whose new replica cannot start leaves the old replica's volume and its data", async (t) => {
    const r = stackRoot(t);
    if (!r) return;
    const engine = r.engine();
    await engine.up(await r.project("keep", STORE("1")), { timeoutS: 1 });
    await execOk(r, "keep-db-1", "echo precious > /anon/f");
    const [volume] = await anonymousVolumes(r);
    assert.ok(volume, "no anonymous volume");

    // Without init, runc itself fails to exec the command: the start fails (with init, tini would exit 127).
    // stop-first: the old replica is removed (its volume kept) before the new one fails to start.
    const failed = await engine.up(await r.project("keep", STORE("2", `["/no/such/program"]`, false)), { timeoutS: 1 }).then(() => undefined, (e: unknown) => e);
    assert.ok(failed instanceof Error, "the update of a replica that cannot start did not fail");
    assert.ok((await anonymousVolumes(r)).includes(volume), `the failed start removed ${volume}, the volume it was to keep`);
    const kept = await r.runtime.ctx.volumes().inspect(volume);
    assert.equal(await readFile(join(kept.Mountpoint, "f"), "utf8"), "precious\n");
    await engine.down("keep", { timeoutS: 1, volumes: true });
    await r.runtime.ctx.volumes().remove(volume).catch(() => undefined);
    await r.assertGone("keep");
  });

  it("a start-first update of a replica with an anonymous volume is done stop-first: never two containers on it", async (t) => {
    const r = stackRoot(t);
    if (!r) return;
    // Each replica holds /anon/lock while it runs, as a database holds its data dir; one that finds it taken fails.
    const yaml = (x: string): string => `name: lock
services:
  db:
    image: ${IMAGE}
    init: true
    environment: {X: "${x}"}
    command: ["/bin/sh", "-c", "test ! -e /anon/lock || exit 1; touch /anon/lock; trap 'rm -f /anon/lock; exit 0' TERM; sleep 3600 & wait"]
    volumes: ["/anon"]
    network_mode: none
    deploy: {update_config: {order: start-first, monitor: 1s}}
`;
    const engine = r.engine();
    await engine.up(await r.project("lock", yaml("1")), { timeoutS: 5 });
    await execOk(r, "lock-db-1", "echo precious > /anon/f");
    const log = new EventLog();
    await engine.up(await r.project("lock", yaml("2")), { timeoutS: 5, onEvent: log.sink });
    assert.deepEqual(log.changes(), ["recreate lock-db-1"]);
    assert.equal(await execOk(r, "lock-db-1", "cat /anon/f"), "precious\n");
    assert.ok(!log.events.some((e) => e.detail.includes("start-first")), JSON.stringify(log.events));
    await engine.down("lock", { timeoutS: 5, volumes: true });
    await r.assertGone("lock");
  });
});
