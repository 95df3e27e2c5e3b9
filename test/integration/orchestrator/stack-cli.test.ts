// berth up / down / service through the real CLI (bin/berth.cjs) with real containers: help, usage errors,
// tables, prefixed logs, scale, down by project name from another directory, and the foreground up ended by Ctrl-C.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { describe, it } from "node:test";
import { BERTH_BIN } from "../../support/berth-server.js";
import { waitForExit } from "../../support/process.js";
import { describeResult, run, type RunResult } from "../../support/run.js";
import { eventually, IMAGE, useStackRoot, type StackRoot } from "./stack-fixture.js";

const berth = (r: StackRoot, args: readonly string[], cwd: string): Promise<RunResult> =>
  run(process.execPath, [BERTH_BIN, "--root", r.root, ...args], { cwd, timeoutMs: 120_000 });

const HTTPD = `["/bin/sh", "-c", "mkdir -p /www && echo web-$$HOSTNAME > /www/index.html && echo serving; exec httpd -f -p 80 -h /www"]`;

/** The project's network, made with this file's bridge prefix before `up` so the CLI (default prefix) never races another file for a bridge name. */
async function premakeNetwork(r: StackRoot, project: string, subnet: string): Promise<void> {
  await r.networks.create(`${project}_default`, { subnet, labels: { "com.docker.compose.project": project, "com.docker.compose.network": "default" } });
}

const subnetOf = (compose: { networks: Record<string, { ipam?: { config: readonly { subnet?: string }[] } }> }): string =>
  compose.networks.default?.ipam?.config[0]?.subnet ?? "";

describe("berth up/down/service (the CLI, real containers)", () => {
  const stackRoot = useStackRoot();

  it("--help everywhere; usage errors exit 2 naming the flag", async (t) => {
    const r = stackRoot(t);
    if (!r) return;
    for (const args of [["up"], ["down"], ["service"], ["service", "ls"], ["service", "ps"], ["service", "logs"], ["service", "scale"]]) {
      const h = await berth(r, [...args, "--help"], r.fx.tmp.path);
      assert.equal(h.code, 0, describeResult(h));
      assert.match(h.stdout, new RegExp(`^Usage: berth ${args.join(" ")}`, "m"));
    }
    for (const [args, msg] of [[["up", "--scale", "web"], /--scale "web": expected SERVICE=REPLICAS/], [["up", "-t", "soon"], /--timeout soon/], [["service", "scale", "web=many"], /expected SERVICE=REPLICAS/], [["down", "--bogus"], /unknown option '--bogus'/],
      [["down", "-p", "Bad Name"], /-p: invalid project name "Bad Name"/], [["service", "scale", "-p", "a/b", "web=1"], /-p: invalid project name "a\/b"/]] as const) {
      const bad = await berth(r, args, r.fx.tmp.path);
      assert.equal(bad.code, 2, describeResult(bad));
      assert.match(bad.stderr, msg);
    }
    const none = await berth(r, ["up", "-d"], r.fx.tmp.path);
    assert.notEqual(none.code, 0);
    assert.match(none.stderr, /no compose file/);
  });

  it("up -d, service ls/ps/logs/scale, then down -v by project name from another directory", async (t) => {
    const r = stackRoot(t);
    if (!r) return;
    const project = await r.project("cli", `name: cli
services:
  db:
    image: ${IMAGE}
    init: true
    command: ["/bin/busybox", "sleep", "3600"]
    healthcheck: {test: ["CMD", "/bin/busybox", "true"], interval: 1s}
  web:
    image: ${IMAGE}
    init: true
    command: ${HTTPD}
    depends_on: {db: {condition: service_healthy}}
    deploy: {replicas: 2}
    ports: ["80"]
    extra_hosts: ["x:10.0.0.1"]
networks:
  default:
    ipam: {config: [{subnet: \${SUBNET}}]}
`);
    await premakeNetwork(r, "cli", subnetOf(project));
    const dir = project.workingDir;
    const up = await berth(r, ["up", "-d"], dir);
    assert.equal(up.code, 0, describeResult(up));
    assert.match(up.stderr, /web: db is healthy\n/);
    assert.match(up.stderr, /created and started cli-web-2/);
    assert.match(up.stderr, /warning: services\.web\.extra_hosts: not applied/);

    const ls = await berth(r, ["service", "ls"], dir);
    assert.equal(ls.code, 0, describeResult(ls));
    const rows = ls.stdout.trimEnd().split("\n").map((l) => l.split(/\s{3,}/));
    assert.deepEqual(rows[0], ["SERVICE", "REPLICAS", "HEALTH", "PORTS"]);
    assert.deepEqual(rows[1], ["db", "1/1", "healthy"]);
    assert.deepEqual(rows[2]?.slice(0, 2), ["web", "2/2"]);
    // One published port for both replicas: the daemon's load balancer, spreading connections over the healthy ones.
    const published = /^0\.0\.0\.0:(\d+)->80\/tcp$/.exec(rows[2]?.[2] ?? "");
    assert.ok(published, ls.stdout);
    const answers = new Set<string>();
    for (let i = 0; i < 20 && answers.size < 2; i++) answers.add((await (await fetch(`http://127.0.0.1:${published[1]}/`)).text()).trim());
    assert.equal(answers.size, 2, `one replica answered all: ${[...answers].join(", ")}`);

    const ps = await berth(r, ["service", "ps", "web"], dir);
    assert.equal(ps.code, 0, describeResult(ps));
    assert.deepEqual(ps.stdout.trimEnd().split("\n").slice(1).map((l) => l.split(/\s{3,}/).slice(0, 3).map((c) => c.replace(/Up .*/, "Up"))),
      [["cli-web-1", IMAGE, "Up"], ["cli-web-2", IMAGE, "Up"]]);
    const unknown = await berth(r, ["service", "ps", "nosuch"], dir);
    assert.equal(unknown.code, 2, describeResult(unknown));

    const logs = await eventually("both replicas' logs", async () => {
      const l = await berth(r, ["service", "logs", "web"], dir);
      return l.code === 0 && l.stdout.includes("web-1 | serving\n") && l.stdout.includes("web-2 | serving\n") ? l : undefined;
    });
    assert.deepEqual(logs.stdout.split("\n").filter((l) => l !== "").sort(), ["web-1 | serving", "web-2 | serving"]);
    // A service that does not exist is an error (as docker compose's "no such service"), not an empty log.
    for (const args of [["service", "logs", "web", "nosuch"], ["service", "logs", "-p", "cli", "nosuch"]]) {
      const typo = await berth(r, args, dir);
      assert.equal(typo.code, 2, describeResult(typo));
      assert.match(typo.stderr, /no such service: nosuch/);
    }

    const scale = await berth(r, ["service", "scale", "web=1"], dir);
    assert.equal(scale.code, 0, describeResult(scale));
    assert.match(scale.stderr, /removed cli-web-2/);
    assert.match((await berth(r, ["service", "ls"], dir)).stdout, /\nweb\s+1\/1\s/);

    const down = await berth(r, ["down", "-p", "cli", "-v", "-t", "5"], r.fx.tmp.path);
    assert.equal(down.code, 0, describeResult(down));
    assert.match(down.stderr, /removed network cli_default/);
    await r.assertGone("cli");
    const gone = await berth(r, ["service", "ls", "-p", "cli"], r.fx.tmp.path);
    assert.equal(gone.code, 3, describeResult(gone));
    assert.match(gone.stderr, /no stack named cli/);
  });

  it("up in the foreground: prefixed logs until Ctrl-C, then the containers are stopped, not removed", async (t) => {
    const r = stackRoot(t);
    if (!r) return;
    const project = await r.project("fg", `name: fg
services:
  app:
    image: ${IMAGE}
    init: true
    command: ["/bin/sh", "-c", "while true; do echo tick; sleep 0.3; done"]
networks:
  default:
    ipam: {config: [{subnet: \${SUBNET}}]}
`);
    await premakeNetwork(r, "fg", subnetOf(project));
    const child = spawn(process.execPath, [BERTH_BIN, "--root", r.root, "up", "-t", "5"], { cwd: project.workingDir, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (b: Buffer) => (out += b.toString()));
    child.stderr.on("data", (b: Buffer) => (err += b.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
    try {
      await eventually("prefixed log lines", async () => out.includes("app-1 | tick\napp-1 | tick\n"), 60_000);
      child.kill("SIGINT");
      const code = await Promise.race([exited, new Promise<"hung">((resolve) => setTimeout(() => resolve("hung"), 60_000))]);
      assert.equal(code, 0, `berth up ended with ${code}\nstderr: ${err}`);
      assert.match(err, /Gracefully stopping/);
      assert.match(err, /stopped fg-app-1/);
      assert.deepEqual((await r.containers("fg")).map((c) => [c.record.name, c.state.status]), [["fg-app-1", "exited"]]);
      assert.equal((await r.engine().reconcileOnce(project)).actions, 0, "reconcile started a stack stopped on purpose");
    } finally {
      if (child.exitCode === null && child.pid !== undefined) {
        child.kill("SIGKILL");
        await waitForExit(child.pid, 10_000);
      }
    }
    const down = await berth(r, ["down", "-t", "5"], join(project.workingDir));
    assert.equal(down.code, 0, describeResult(down));
    await r.assertGone("fg");
  });
});
