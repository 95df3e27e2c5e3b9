// Rolling updates through the daemon and the CLI, with real containers and the daemon's load balancer:
// an update to a config whose replicas never get healthy is rolled back automatically while a loop of
// requests through the published port sees no failure; a good update completes; `rollout undo` goes back;
// `rollout status` and `history` say what happened.
import assert from "node:assert/strict";
import { get } from "node:http";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { daemonPaths, readPidFile } from "../../../src/api/index.js";
import { isReady, observeStack } from "../../../src/orchestrator/index.js";
import { BERTH_BIN } from "../../support/berth-server.js";
import { describeResult, run } from "../../support/run.js";
import { berth, premakeDefaultNetwork } from "./daemon-fixture.js";
import { eventually, IMAGE, useStackRoot } from "../orchestrator/stack-fixture.js";

const stack = (version: string, healthy: boolean, subnet: string): string => `name: ro
services:
  web:
    image: ${IMAGE}
    init: true
    command: ["/bin/sh", "-c", "mkdir -p /www && echo ${version} > /www/index.html && exec httpd -f -p 80 -h /www"]
    ports: ["127.0.0.1::80"]
    restart: always
    healthcheck:
      test: ["CMD", "/bin/busybox", "${healthy ? "true" : "false"}"]
      interval: 2s
      retries: 2
      start_period: 3s
      start_interval: 200ms
    deploy:
      replicas: 3
      update_config: {parallelism: 1, order: start-first, monitor: 1s}
      rollback_config: {parallelism: 3, order: start-first, monitor: 1s}
networks:
  default:
    ipam: {config: [{subnet: ${subnet}}]}
`;

/** GET over a new connection each time (no keep-alive to one backend): the body, or the error. */
function fetchOnce(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = get({ host: "127.0.0.1", port, path: "/", agent: false, timeout: 5_000 }, (res) => {
      let body = "";
      res.on("data", (b: Buffer) => (body += b.toString()));
      res.on("end", () => (res.statusCode === 200 ? resolve(body.trim()) : reject(new Error(`HTTP ${res.statusCode}`))));
    });
    req.on("timeout", () => req.destroy(new Error("timed out")));
    req.on("error", reject);
  });
}

/** Requests in a loop until stopped (bounded: 3000 requests, 200 s): how many, which answers, which failures. */
function requestLoop(port: number): { stop: () => Promise<{ count: number; answers: Set<string>; failures: string[] }> } {
  let stopped = false;
  const answers = new Set<string>();
  const failures: string[] = [];
  let count = 0;
  const deadline = Date.now() + 200_000;
  const done = (async () => {
    while (!stopped && count < 3000 && Date.now() < deadline) {
      count++;
      try {
        answers.add(await fetchOnce(port));
      } catch (e) {
        failures.push(e instanceof Error ? e.message : String(e));
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  return { stop: async () => ((stopped = true), await done, { count, answers, failures }) };
}

describe("rolling updates through the daemon (real containers)", () => {
  const stackRoot = useStackRoot();

  it("a failing update rolls back by itself with no failed request; a good one completes; undo goes back", { timeout: 600_000 }, async (t) => {
    const r = stackRoot(t);
    if (!r) return;
    const first = await r.project("ro", stack("v1", true, "${SUBNET}"));
    const dir = first.workingDir;
    const subnet = first.networks.default?.ipam?.config[0]?.subnet ?? "";
    await premakeDefaultNetwork(r, first);
    const write = (version: string, healthy: boolean): Promise<void> => writeFile(join(dir, "compose.yaml"), stack(version, healthy, subnet));
    try {
      const up = await berth(r, ["up", "-d"], dir);
      assert.equal(up.code, 0, describeResult(up));
      const port = await eventually("3 ready replicas behind the balancer", async () => {
        const s = JSON.parse((await berth(r, ["service", "ls", "--format", "json"], dir)).stdout) as { services: { ready: number }[]; published?: { hostPort: number }[] }[];
        return s[0]?.services[0]?.ready === 3 ? s[0].published?.[0]?.hostPort : undefined;
      }, 60_000);
      // The balancer takes a replica on at the daemon's next pass after it turns healthy: wait for the first answer.
      assert.equal(await eventually("the first answer through the balancer", () => fetchOnce(port).catch(() => undefined), 10_000), "v1");

      const loop = requestLoop(port);
      await write("v2", false);
      const bad = await berth(r, ["up", "-d"], dir);
      assert.equal(bad.code, 1, describeResult(bad));
      assert.match(bad.stderr, /rolled.back/);
      const status = await berth(r, ["rollout", "status"], dir);
      assert.match(status.stdout, /\nweb\s+rolled-back\s+1 → 2/, status.stdout);
      const history = await berth(r, ["rollout", "history", "web"], dir);
      assert.match(history.stdout, /\n2\s+failed\s/, history.stdout);
      assert.match(history.stdout, /\n1\s+current\s/, history.stdout);
      assert.equal(await fetchOnce(port), "v1");

      await write("v3", true);
      const good = await berth(r, ["up", "-d"], dir);
      assert.equal(good.code, 0, describeResult(good));
      await eventually("v3 everywhere", async () => (await Promise.all([1, 2, 3, 4, 5, 6].map(() => fetchOnce(port)))).every((b) => b === "v3"), 30_000);
      assert.match((await berth(r, ["rollout", "status", "web"], dir)).stdout, /\nweb\s+completed\s+1 → 3/);

      const undo = await berth(r, ["rollout", "undo", "web"], dir);
      assert.equal(undo.code, 0, describeResult(undo));
      await eventually("v1 everywhere after undo", async () => (await Promise.all([1, 2, 3, 4, 5, 6].map(() => fetchOnce(port)))).every((b) => b === "v1"), 30_000);
      const result = await loop.stop();
      t.diagnostic(`${result.count} requests during two updates and an undo; answers ${[...result.answers].sort().join(", ")}; failures ${result.failures.length}`);
      assert.deepEqual(result.failures, [], "requests failed during the rollouts");
      assert.ok(!result.answers.has("v2"), "a replica of the failed config took traffic");

      const events = await berth(r, ["events", "--format", "json", "-p", "ro"], dir);
      assert.match(events.stdout, /"action":"rollback"/);

      // A replica that dies after the undo comes back as the current revision (v1), not as the file says (v3).
      const victim = (await observeStack(r.runtime, "ro")).find((x) => x.number === 2 && x.summary.state.status === "running")!;
      process.kill(victim.summary.state.pid!.pid, "SIGKILL");
      await eventually("replica 2 replaced and ready", async () => (await observeStack(r.runtime, "ro")).some((x) => x.number === 2 && x.summary.record.id !== victim.summary.record.id && isReady(x)), 30_000)
        .catch(async (e: unknown) => {
          const tail = (await berth(r, ["events", "-n", "15"], dir)).stdout;
          const ps = (await observeStack(r.runtime, "ro")).map((x) => `${x.summary.record.name} ${x.summary.state.status} ${x.summary.health?.status ?? "-"}`).join("; ");
          throw new Error(`${e instanceof Error ? e.message : String(e)}\nevents:\n${tail}\nreplicas: ${ps}`);
        });
      assert.ok((await Promise.all([1, 2, 3, 4, 5, 6, 7, 8, 9].map(() => fetchOnce(port)))).every((b) => b === "v1"), "the replacement runs the file's config, not the current revision");
    } finally {
      await berth(r, ["down", "-t", "1"], dir);
    }
  });
});

describe("a daemon killed in the middle of a rollout (real containers)", () => {
  const stackRoot = useStackRoot();

  it("the next daemon finishes the rollout and says so; no replica is left on the old config or twice", { timeout: 600_000 }, async (t) => {
    const r = stackRoot(t);
    if (!r) return;
    const first = await r.project("rk", stack("v1", true, "${SUBNET}").replace("name: ro", "name: rk").replace("monitor: 1s}", "monitor: 4s}"));
    const dir = first.workingDir;
    const subnet = first.networks.default?.ipam?.config[0]?.subnet ?? "";
    await premakeDefaultNetwork(r, first);
    try {
      const up = await berth(r, ["up", "-d"], dir);
      assert.equal(up.code, 0, describeResult(up));
      await eventually("3 ready", async () => (await observeStack(r.runtime, "rk")).filter(isReady).length === 3, 60_000);
      const v1Hash = (await observeStack(r.runtime, "rk"))[0]!.configHash;
      await writeFile(join(dir, "compose.yaml"), stack("v2", true, subnet).replace("name: ro", "name: rk").replace("monitor: 1s}", "monitor: 4s}"));
      const updating = run(process.execPath, [BERTH_BIN, "--root", r.root, "up", "-d"], { cwd: dir, timeoutMs: 240_000 });
      // Once the first replica runs the new config, the daemon goes.
      await eventually("one replica updated", async () => (await observeStack(r.runtime, "rk")).some((x) => x.configHash !== v1Hash && isReady(x)), 60_000);
      const owner = await readPidFile(daemonPaths(r.root).pidFile);
      assert.ok(owner);
      process.kill(owner.pid, "SIGKILL");
      const cut = await updating;
      assert.notEqual(cut.code, 0, "up did not notice the daemon going");
      const mixed = await observeStack(r.runtime, "rk");
      t.diagnostic(`after kill -9: ${mixed.map((x) => `${x.summary.record.name}:${x.configHash === v1Hash ? "v1" : "v2"}`).join(" ")}`);

      // Any command starts the next daemon; it finishes the rollout.
      const events = await berth(r, ["events", "-n", "1"], dir);
      assert.equal(events.code, 0, describeResult(events));
      await eventually("every replica on v2, one container each", async () => {
        const now = await observeStack(r.runtime, "rk");
        return now.length === 3 && now.every((x) => x.configHash !== v1Hash && isReady(x) && !/-old-/.test(x.summary.record.name ?? ""));
      }, 120_000);
      const log = await berth(r, ["events", "--format", "json", "-p", "rk"], dir);
      assert.match(log.stdout, /finishing the rollout of web that a stopped daemon left updating/);
      assert.match((await berth(r, ["rollout", "status", "web"], dir)).stdout, /\nweb\s+completed\s/);
    } finally {
      await berth(r, ["down", "-t", "1"], dir);
    }
  });
});
