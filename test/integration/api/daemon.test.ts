// The daemon with real containers: started by the CLI, a replica killed with kill -9 replaced (and healthy
// again), the daemon killed with kill -9 while the stack runs (containers untouched, adopted by the next one),
// `daemon stop` leaving containers running, the event log, and hostile API input.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFile, stat, writeFile } from "node:fs/promises";
import { request } from "node:http";
import { describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { daemonPaths, readPidFile } from "../../../src/api/index.js";
import { observeStack } from "../../../src/orchestrator/index.js";
import { BERTH_BIN } from "../../support/berth-server.js";
import { waitForExit } from "../../support/process.js";
import { describeResult, run } from "../../support/run.js";
import { berth, premakeDefaultNetwork } from "./daemon-fixture.js";
import { eventually, IMAGE, useStackRoot, type StackRoot } from "../orchestrator/stack-fixture.js";

const HTTPD = `["/bin/sh", "-c", "mkdir -p /www && echo web-$$HOSTNAME > /www/index.html && exec httpd -f -p 80 -h /www"]`;

/** A service whose replicas are healthy fast: checked every 100 ms in their start period. */
const stackYaml = (name: string): string => `name: ${name}
services:
  web:
    image: ${IMAGE}
    init: true
    command: ${HTTPD}
    restart: always
    healthcheck: {test: ["CMD", "/bin/busybox", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1/"], interval: 5s, start_period: 30s, start_interval: 100ms}
    deploy: {replicas: 2}
networks:
  default:
    ipam: {config: [{subnet: \${SUBNET}}]}
`;

/** The running, healthy replicas of `service`: number → container id. */
async function healthy(r: StackRoot, project: string, service: string): Promise<Map<number, { id: string; pid: number }>> {
  const out = new Map<number, { id: string; pid: number }>();
  for (const x of await observeStack(r.runtime, project)) {
    if (x.service === service && x.summary.state.status === "running" && x.summary.health?.status === "healthy") out.set(x.number, { id: x.summary.record.id, pid: x.summary.state.pid?.pid ?? 0 });
  }
  return out;
}

/** GET/POST on the daemon's socket; the status and the body. */
function call(socket: string, method: string, path: string, body?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: socket, method, path, headers: body === undefined ? {} : { "content-type": "application/json" } }, (res) => {
      let text = "";
      res.on("data", (b: Buffer) => (text += b.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

describe("berth daemon (real containers)", () => {
  const stackRoot = useStackRoot();

  it("the CLI starts it; a replica killed with kill -9 is replaced and healthy again; the event log says so", async (t) => {
    const r = stackRoot(t);
    if (!r) return;
    const project = await r.project("d1", stackYaml("d1"));
    await premakeDefaultNetwork(r, project);
    const up = await berth(r, ["up", "-d"], project.workingDir);
    assert.equal(up.code, 0, describeResult(up));
    const status = await berth(r, ["daemon", "status"], project.workingDir);
    assert.equal(status.code, 0, describeResult(status));
    assert.match(status.stdout, /^running: pid \d+/);
    const paths = daemonPaths(r.root);
    assert.equal((await stat(paths.dir)).mode & 0o777, 0o700);
    assert.equal((await stat(paths.socket)).mode & 0o777, 0o600);

    const before = await eventually("2 healthy replicas", async () => ((await healthy(r, "d1", "web")).size === 2 ? healthy(r, "d1", "web") : undefined), 30_000);
    const victim = before.get(1)!;
    assert.ok(victim.pid > 0);
    const killedAt = Date.now();
    process.kill(victim.pid, "SIGKILL");
    const after = await eventually("web-1 replaced and healthy", async () => {
      const now = await healthy(r, "d1", "web");
      return now.get(1) !== undefined && now.get(1)!.id !== victim.id ? now : undefined;
    }, 20_000);
    const recovery = Date.now() - killedAt;
    t.diagnostic(`kill -9 → replaced and healthy in ${recovery} ms (the issue's target: 2000 ms; bench: npm run bench -- up)`);
    assert.equal(after.get(2)?.id, before.get(2)?.id, "the other replica was touched");

    const events = await berth(r, ["events", "--format", "json", "-p", "d1"], project.workingDir);
    assert.equal(events.code, 0, describeResult(events));
    const lines = events.stdout.trim().split("\n").map((l) => JSON.parse(l) as { id: number; action: string; container?: string; detail: string });
    assert.ok(lines.some((e) => e.action === "create" && e.container === "d1-web-2"), events.stdout);
    assert.ok(lines.some((e) => e.action === "replace" && e.container === "d1-web-1" && /exited/.test(e.detail)), events.stdout);
    const replaced = lines.find((e) => e.action === "replace") as { time?: string } | undefined;
    t.diagnostic(`replacement container started ${Date.parse(replaced?.time ?? "") - killedAt} ms after the kill`);
    assert.ok(lines.every((e, i) => i === 0 || e.id > lines[i - 1]!.id), "ids not increasing");
    const plain = await berth(r, ["events", "-n", "1"], project.workingDir);
    assert.equal(plain.stdout.trim().split("\n").length, 1, plain.stdout);

    // Usage is sampled from the start; a recommendation needs minutes of it, so a new stack gets the note.
    const rec = await berth(r, ["recommend", "--format", "json"], project.workingDir);
    assert.equal(rec.code, 0, describeResult(rec));
    const recs = JSON.parse(rec.stdout) as { service: string; verdict: string; samples: number }[];
    assert.deepEqual(recs.map((x) => [x.service, x.verdict]), [["web", "not-enough-data"]]);
    const table = await berth(r, ["recommend", "web"], project.workingDir);
    assert.match(table.stdout, /^SERVICE\s+CPU REQUEST/m);
    assert.match(table.stdout, /\nweb\s.*not enough data/);
    const noSvc = await berth(r, ["recommend", "nosuch"], project.workingDir);
    assert.equal(noSvc.code, 2, describeResult(noSvc));

    const down = await berth(r, ["down", "-t", "2"], project.workingDir);
    assert.equal(down.code, 0, describeResult(down));
    await r.assertGone("d1");
    const stacks = JSON.parse((await call(paths.socket, "GET", "/v1/stacks")).body) as unknown[];
    assert.deepEqual(stacks, [], "the daemon still keeps the stack after down");
  });

  it("kill -9 of the daemon leaves the containers running; the next daemon adopts them without touching them, and keeps them", async (t) => {
    const r = stackRoot(t);
    if (!r) return;
    const project = await r.project("d2", stackYaml("d2"));
    await premakeDefaultNetwork(r, project);
    const up = await berth(r, ["up", "-d"], project.workingDir);
    assert.equal(up.code, 0, describeResult(up));
    const before = await eventually("2 healthy replicas", async () => ((await healthy(r, "d2", "web")).size === 2 ? healthy(r, "d2", "web") : undefined), 30_000);
    const paths = daemonPaths(r.root);
    const owner = await readPidFile(paths.pidFile);
    assert.ok(owner, "no pid file");
    process.kill(owner.pid, "SIGKILL");
    assert.ok(await waitForExit(owner.pid, 5_000), "daemon survived kill -9");
    await sleep(1000);
    assert.deepEqual(await healthy(r, "d2", "web"), before, "containers changed while no daemon ran");

    const lastBefore = JSON.parse((await berth(r, ["events", "--format", "json", "-n", "1"], project.workingDir)).stdout.trim().split("\n").at(-1) ?? "{}") as { id?: number };
    // `events` started a new daemon (the pid file's owner is gone): give it a few passes.
    const newOwner = await eventually("a new daemon", async () => {
      const o = await readPidFile(paths.pidFile);
      return o !== undefined && o.pid !== owner.pid ? o : undefined;
    });
    await sleep(2000);
    assert.deepEqual(await healthy(r, "d2", "web"), before, "the new daemon replaced running replicas");
    const since = await berth(r, ["events", "--format", "json", "--since", String(lastBefore.id ?? 0), "-p", "d2"], project.workingDir);
    assert.equal(since.stdout.trim(), "", `the new daemon acted on the adopted stack:\n${since.stdout}`);

    // It keeps the stack: a replica killed now is replaced by the new daemon.
    process.kill(before.get(2)!.pid, "SIGKILL");
    try {
      await eventually("web-2 replaced by the new daemon", async () => {
        const now = await healthy(r, "d2", "web");
        return now.get(2) !== undefined && now.get(2)!.id !== before.get(2)!.id;
      }, 20_000);
    } catch (e) {
      // Once seen in CI and never since: say where the replacement stuck when it happens again.
      throw new Error(`${(e as Error).message}\n${await adoptionReport(r, project.workingDir, lastBefore.id ?? 0)}`, { cause: e });
    }

    // daemon stop: the daemon goes, the containers stay.
    const running = await healthy(r, "d2", "web");
    const stop = await berth(r, ["daemon", "stop"], project.workingDir);
    assert.equal(stop.code, 0, describeResult(stop));
    assert.ok(await waitForExit(newOwner.pid, 10_000), "daemon still running after daemon stop");
    const status = await berth(r, ["daemon", "status"], project.workingDir);
    assert.equal(status.code, 1, describeResult(status));
    assert.deepEqual(await healthy(r, "d2", "web"), running);
    const down = await berth(r, ["down", "-t", "2"], project.workingDir);
    assert.equal(down.code, 0, describeResult(down));
    await r.assertGone("d2");
  });

  it("refuses a second daemon, takes over a stale pid file, and answers bad requests with typed errors", async (t) => {
    const r = stackRoot(t);
    if (!r) return;
    const paths = daemonPaths(r.root);
    const stopped = await berth(r, ["daemon", "stop"], r.fx.tmp.path);
    assert.equal(stopped.code, 0, describeResult(stopped));
    // A pid file left by a process that is gone.
    const dead = spawn(process.execPath, ["-e", "0"]);
    await new Promise((res) => dead.on("exit", res));
    await import("node:fs/promises").then((fs) => fs.mkdir(paths.dir, { recursive: true, mode: 0o700 }));
    await writeFile(paths.pidFile, `${JSON.stringify({ pid: dead.pid, startTime: "1" })}\n`);
    const first = spawn(process.execPath, [BERTH_BIN, "--root", r.root, "daemon"], { stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    first.stderr.on("data", (b: Buffer) => (err += b.toString()));
    try {
      await eventually("the daemon answering", async () => (await call(paths.socket, "GET", "/v1/ping").catch(() => ({ status: 0 }))).status === 200, 20_000);
      const second = await run(process.execPath, [BERTH_BIN, "--root", r.root, "daemon"], { cwd: r.fx.tmp.path, timeoutMs: 20_000 });
      assert.notEqual(second.code, 0, describeResult(second));
      assert.match(second.stderr, /already running/);

      const junk = await call(paths.socket, "POST", "/v1/stacks/up", "{not json");
      assert.equal(junk.status, 400);
      assert.match(junk.body, /"code":"INVALID_ARGUMENT".*not JSON/);
      const relative = await call(paths.socket, "POST", "/v1/stacks/up", JSON.stringify({ files: ["compose.yaml"], workingDir: "/x", projectName: "x" }));
      assert.equal(relative.status, 400);
      assert.match(relative.body, /files/);
      const traversal = await call(paths.socket, "POST", "/v1/stacks/..%2F..%2Fetc/down", "{}");
      assert.equal(traversal.status, 404);
      const huge = await call(paths.socket, "POST", "/v1/stacks/up", `{"files":["${"a".repeat(2 << 20)}"]}`).catch(() => ({ status: 413, body: "reset" }));
      assert.ok(huge.status === 400 || huge.status === 413, `huge body: ${huge.status}`);
      const unknown = await call(paths.socket, "GET", "/v1/nosuch");
      assert.equal(unknown.status, 404);
      const scaleUnknown = await call(paths.socket, "POST", "/v1/stacks/nosuch/scale", JSON.stringify({ scale: { web: 2 } }));
      assert.equal(scaleUnknown.status, 200);
      assert.match(scaleUnknown.body, /"error":\{"code":"NOT_FOUND"/);
      const badScale = await call(paths.socket, "POST", "/v1/stacks/nosuch/scale", JSON.stringify({ scale: { web: -1 } }));
      assert.equal(badScale.status, 400);
    } finally {
      first.kill("SIGTERM");
      await waitForExit(first.pid!, 10_000);
    }
    assert.match(err, /daemon stopped; containers left running/);
  });
});

/** The stack's events since `sinceId`, every container and the daemon log's tail: for a failure message. */
async function adoptionReport(r: StackRoot, cwd: string, sinceId: number): Promise<string> {
  const events = await berth(r, ["events", "--format", "json", "--since", String(sinceId), "-p", "d2"], cwd).catch((e: Error) => ({ stdout: `(events failed: ${e.message})` }));
  const ps = await berth(r, ["ps", "-a"], cwd).catch((e: Error) => ({ stdout: `(ps failed: ${e.message})` }));
  const log = await readFile(daemonPaths(r.root).log, "utf8").catch((e: Error) => `(no daemon log: ${e.message})`);
  return [`events since ${sinceId}:`, events.stdout.trim(), "ps -a:", ps.stdout.trim(), "daemon log (last 40 lines):", log.trim().split("\n").slice(-40).join("\n")].join("\n");
}
