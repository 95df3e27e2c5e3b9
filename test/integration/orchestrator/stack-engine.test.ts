// StackEngine with real containers (runc, conmon, netavark, aardvark-dns) as root: depends_on with health,
// DNS by service name, idempotent up, recreate on change, scale, reconcile after kill -9 and unhealthy, down -v.
import assert from "node:assert/strict";
import { isBerthError } from "../../../src/oci/index.js";
import { access, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import type { ComposeProject } from "../../../src/orchestrator/index.js";
import { EventLog, eventually, execIn, IMAGE, useStackRoot } from "./stack-fixture.js";

const DUO = (greeting: string): string => `name: duo
services:
  db:
    image: ${IMAGE}
    init: true
    command: ["/bin/sh", "-c", "sleep 1; mkdir -p /www && echo db-ok > /www/index.html && exec httpd -f -p 8080 -h /www"]
    healthcheck:
      test: ["CMD", "/bin/busybox", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/"]
      interval: 1s
      timeout: 2s
      retries: 3
    volumes: [data:/data]
  web:
    image: ${IMAGE}
    init: true
    restart: always
    environment: {GREETING: ${greeting}}
    depends_on:
      db: {condition: service_healthy}
    command: ["/bin/busybox", "sleep", "3600"]
networks:
  default:
    ipam: {config: [{subnet: \${SUBNET}}]}
volumes:
  data: {}
`;

describe("StackEngine: a two-service stack with real containers", () => {
  const stackRoot = useStackRoot();
  let project: ComposeProject;

  it("up: db is healthy before web starts, web reaches db by its service name, a second up changes nothing", async (t) => {
    const r = stackRoot(t);
    if (!r) return;
    project = await r.project("duo", DUO("hello"));
    const log = new EventLog();
    const { actions } = await r.engine().up(project, { onEvent: log.sink });
    assert.equal(actions, 2);
    assert.deepEqual(log.changes(), ["create duo-db-1", "create duo-web-1"]);
    const at = (service: string, action: string): number => Date.parse(log.events.find((e) => e.service === service && e.action === action)?.time ?? "NaN");
    assert.ok(at("db", "create") <= at("web", "wait") && at("web", "wait") <= at("web", "ready") && at("web", "ready") <= at("web", "create"), JSON.stringify(log.events));
    assert.deepEqual(log.events.filter((e) => e.action === "network-create" || e.action === "volume-create").map((e) => e.detail.replace(/ \(.*/, "")), ["created network duo_default", "created volume duo_data"]);

    const [db] = await r.containers("duo").then((cs) => cs.filter((c) => c.record.name === "duo-db-1"));
    const [web] = await r.containers("duo").then((cs) => cs.filter((c) => c.record.name === "duo-web-1"));
    assert.ok(db && web && web.state.startedAt !== undefined);
    const webStarted = Date.parse(web.state.startedAt);
    assert.ok((db.health?.log ?? []).some((l) => l.ExitCode === 0 && Date.parse(l.End) <= webStarted),
      `no passing health check of db before web started at ${web.state.startedAt}: ${JSON.stringify(db.health)}`);
    assert.equal(web.record.labels?.["com.docker.compose.service"], "web");

    // aardvark-dns is reloaded as containers join; the client retries, bounded.
    const reach = await execIn(r, "duo-web-1", "for i in 1 2 3 4 5 6 7 8 9 10; do timeout 3 wget -qO- http://db:8080/ && exit 0; sleep 0.5; done; exit 1");
    assert.deepEqual(reach, { code: 0, out: "db-ok\n" });

    const before = await r.ids("duo");
    log.clear();
    const again = await r.engine().up(project, { onEvent: log.sink });
    assert.equal(again.actions, 0);
    assert.deepEqual(log.changes(), []);
    assert.deepEqual(log.events.filter((e) => e.action !== "warning").map((e) => e.action), []);
    assert.deepEqual(await r.ids("duo"), before);
    const status = await r.engine().status("duo");
    assert.deepEqual(status.services.map((s) => [s.name, s.ready, s.desired, s.health]), [["db", 1, 1, "healthy"], ["web", 1, 1, ""]]);
  });

  it("a changed environment recreates only that service's replicas", async (t) => {
    const r = stackRoot(t);
    if (!r) return;
    const before = await r.ids("duo");
    project = await r.project("duo", DUO("bonjour"));
    const log = new EventLog();
    await r.engine().up(project, { onEvent: log.sink, timeoutS: 5 });
    assert.deepEqual(log.changes(), ["recreate duo-web-1"]);
    const now = await r.ids("duo");
    assert.equal(now["duo-db-1"], before["duo-db-1"], "db was recreated");
    assert.notEqual(now["duo-web-1"], before["duo-web-1"], "web was not recreated");
    assert.deepEqual(await execIn(r, "duo-web-1", "echo $GREETING"), { code: 0, out: "bonjour\n" });
  });

  it("--scale web=3 adds replicas 2 and 3; then 1 removes them and keeps replica 1", async (t) => {
    const r = stackRoot(t);
    if (!r) return;
    const log = new EventLog();
    const before = await r.ids("duo");
    await r.engine().up(project, { scale: { web: 3 }, onEvent: log.sink });
    assert.deepEqual(log.changes().sort(), ["create duo-web-2", "create duo-web-3"]);
    const status = await r.engine().status("duo");
    assert.deepEqual(status.services.find((s) => s.name === "web")?.replicas.map((x) => [x.name, x.state]), [["duo-web-1", "running"], ["duo-web-2", "running"], ["duo-web-3", "running"]]);
    assert.equal(status.services.find((s) => s.name === "web")?.desired, 3);
    log.clear();
    await r.engine().up(project, { scale: { web: 1 }, onEvent: log.sink, timeoutS: 5 });
    assert.deepEqual(log.changes().sort(), ["remove duo-web-2", "remove duo-web-3"]);
    assert.deepEqual(await r.ids("duo"), before);
  });

  it("a scale is gated on depends_on as an up is (the daemon's scale), without touching the dependency", async (t) => {
    const r = stackRoot(t);
    if (!r) return;
    await r.runtime.stop("duo-db-1", 5);
    try {
      await assert.rejects(r.engine().up(project, { services: ["web"], noDeps: true, gateOnDependencies: true, scale: { web: 2 } }), (e: unknown) => {
        assert.ok(isBerthError(e), String(e));
        assert.match((e as Error).message, /db/);
        return true;
      });
      assert.equal((await r.containers("duo")).filter((c) => c.record.name === "duo-web-2").length, 0, "web scaled while db was down");
      assert.equal((await r.containers("duo")).find((c) => c.record.name === "duo-db-1")?.state.status, "exited", "the dependency was touched");
    } finally {
      await r.engine().up(project, { timeoutS: 5 });
    }
  });

  it("kill -9 of a replica's process: reconcileOnce replaces that replica and only it, and a second pass does nothing", async (t) => {
    const r = stackRoot(t);
    if (!r) return;
    await r.engine().up(project, { scale: { web: 2 } });
    const before = await r.ids("duo");
    const victim = (await r.containers("duo")).find((c) => c.record.name === "duo-web-2");
    assert.ok(victim?.state.pid, "web-2 has no pid");
    process.kill(victim.state.pid.pid, "SIGKILL");
    assert.equal(await r.runtime.wait(victim.record), 137);
    const log = new EventLog();
    const pass = await r.engine().reconcileOnce(project, { onEvent: log.sink });
    assert.deepEqual([pass.actions, log.changes()], [1, ["replace duo-web-2"]]);
    assert.match(log.events.find((e) => e.action === "replace")?.detail ?? "", /exited with code 137/);
    const after = await r.ids("duo");
    assert.equal(after["duo-db-1"], before["duo-db-1"]);
    assert.equal(after["duo-web-1"], before["duo-web-1"]);
    assert.notEqual(after["duo-web-2"], before["duo-web-2"]);
    assert.equal(Object.keys(after).length, 3, `duplicate replicas: ${JSON.stringify(after)}`);
    assert.equal((await r.containers("duo")).find((c) => c.record.name === "duo-web-2")?.state.status, "running");
    log.clear();
    const second = await r.engine().reconcileOnce(project, { onEvent: log.sink });
    assert.deepEqual([second.actions, log.changes()], [0, []]);
  });

  it("an unhealthy replica is replaced by reconcileOnce (docker would leave it)", async (t) => {
    const r = stackRoot(t);
    if (!r) return;
    const heal = await r.project("heal", `name: heal
services:
  app:
    image: ${IMAGE}
    init: true
    command: ["/bin/sh", "-c", "touch /tmp/ok; exec sleep 3600"]
    healthcheck: {test: ["CMD", "/bin/busybox", "test", "-f", "/tmp/ok"], interval: 1s, retries: 1}
    network_mode: none
`);
    const engine = r.engine();
    await engine.up(heal);
    await eventually("app to be healthy", async () => (await engine.status("heal")).services[0]?.health === "healthy");
    const first = (await r.ids("heal"))["heal-app-1"];
    assert.equal((await execIn(r, "heal-app-1", "rm /tmp/ok")).code, 0);
    await eventually("app to be unhealthy", async () => (await engine.status("heal")).services[0]?.health === "unhealthy");
    const log = new EventLog();
    await engine.reconcileOnce(heal, { onEvent: log.sink, timeoutS: 5 });
    assert.deepEqual(log.changes(), ["replace heal-app-1"]);
    assert.match(log.events.find((e) => e.action === "replace")?.detail ?? "", /unhealthy/);
    assert.notEqual((await r.ids("heal"))["heal-app-1"], first);
    await eventually("the new app to be healthy", async () => (await engine.status("heal")).services[0]?.health === "healthy");
    await engine.down("heal", { volumes: true, timeoutS: 5 });
    await r.assertGone("heal");
  });

  it("build: the image <project>-<service> is built when missing, not again on the next up, again with --build; a new image recreates the replica", async (t) => {
    const r = stackRoot(t);
    if (!r) return;
    const built = await r.project("built", "name: built\nservices:\n  app:\n    build: .\n    init: true\n    network_mode: none\n", {
      Dockerfile: `FROM ${IMAGE}\nCOPY greeting.txt /greeting.txt\nCMD ["/bin/busybox", "sleep", "3600"]\n`,
      "greeting.txt": "v1\n",
    });
    const engine = r.engine();
    const log = new EventLog();
    await engine.up(built, { onEvent: log.sink });
    assert.deepEqual(log.events.filter((e) => e.action === "image-build").map((e) => e.detail.split(" from ")[0]), ["building built-app"]);
    assert.deepEqual(await execIn(r, "built-app-1", "cat /greeting.txt"), { code: 0, out: "v1\n" });
    await writeFile(join(built.workingDir, "greeting.txt"), "v2\n");
    log.clear();
    assert.equal((await engine.up(built, { onEvent: log.sink })).actions, 0);
    assert.deepEqual(log.events.map((e) => e.action), [], "built again without --build");
    await engine.up(built, { build: true, onEvent: log.sink, timeoutS: 5 });
    assert.deepEqual(log.events.filter((e) => e.action !== "warning").map((e) => e.action), ["image-build", "recreate"]);
    assert.match(log.events.find((e) => e.action === "recreate")?.detail ?? "", /image changed/);
    assert.deepEqual(await execIn(r, "built-app-1", "cat /greeting.txt"), { code: 0, out: "v2\n" });
    await engine.down("built", { timeoutS: 5 });
    await r.assertGone("built");
  });

  it("down -v leaves no container, network or volume of the project, and no desired state", async (t) => {
    const r = stackRoot(t);
    if (!r) return;
    const engine = r.engine();
    const log = new EventLog();
    const result = await engine.down("duo", { volumes: true, timeoutS: 5, onEvent: log.sink });
    assert.deepEqual([...result.containers].sort(), ["duo-db-1", "duo-web-1", "duo-web-2"]);
    assert.deepEqual([result.networks, result.volumes], [["duo_default"], ["duo_data"]]);
    // Dependents stop first.
    assert.deepEqual(log.changes().map((c) => c.replace(/-\d$/, "")), ["remove duo-web", "remove duo-web", "remove duo-db"]);
    await r.assertGone("duo");
    assert.equal(await access(engine.stackDir("duo")).then(() => true, () => false), false, "stack dir left");
    await assert.rejects(engine.status("duo"), (e: unknown) => (e as { code?: string }).code === "NOT_FOUND");
    assert.deepEqual((await engine.down("duo")).containers, [], "a second down is not an error");
  });
});
