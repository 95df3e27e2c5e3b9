// `berth build` with a daemon running hands the build to it (real runc RUN steps): the image made,
// the steps streamed back, the caller's environment used, the daemon's log naming the build; the
// same build with no daemon runs in the CLI; hostile build requests; a CLI killed mid-build stops
// the daemon's build.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { request } from "node:http";
import { join } from "node:path";
import { describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { daemonPaths } from "../../../src/api/index.js";
import { BERTH_BIN } from "../../support/berth-server.js";
import { pidsWithCommandLine } from "../../support/process.js";
import { describeResult, run, type RunResult } from "../../support/run.js";
import { eventually, IMAGE, useStackRoot, type StackRoot } from "../orchestrator/stack-fixture.js";

const EPOCH = "1700000000";

const cli = (r: StackRoot, args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<RunResult> =>
  run(process.execPath, [BERTH_BIN, "--root", r.root, ...args], { env: { ...process.env, ...env }, timeoutMs: 240_000 });

/** A context under the test's temp dir with `dockerfile` and a file `f` it may COPY. */
async function context(r: StackRoot, name: string, dockerfile: string): Promise<string> {
  const dir = join(r.fx.tmp.path, name);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, "Dockerfile"), dockerfile);
  await writeFile(join(dir, "f"), `file of ${name}\n`);
  return dir;
}

/** POST a raw body to the daemon; the status and the body. */
function post(socket: string, path: string, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: socket, method: "POST", path, headers: { "content-type": "application/json" } }, (res) => {
      let text = "";
      res.on("data", (b: Buffer) => (text += b.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

const builtLines = async (r: StackRoot): Promise<string[]> =>
  (await readFile(daemonPaths(r.root).log, "utf8").catch(() => "")).split("\n").filter((l) => l.startsWith("built "));

describe("berth build through the daemon (real runc RUN steps)", () => {
  const stackRoot = useStackRoot();

  it("hands the build to a running daemon with the caller's environment; without one it builds itself, to the same image", async (t) => {
    const r = stackRoot(t);
    if (!r) return;
    const ctx = await context(r, "b1", `FROM ${IMAGE}\nARG X\nRUN echo "built-$X" > /mark\nCOPY f /f\n`);
    const start = await cli(r, ["daemon", "start"]);
    assert.equal(start.code, 0, describeResult(start));
    const viaDaemon = await cli(r, ["build", "--network", "none", "--build-arg", "X=1", "-t", "localhost/db:1", ctx], { SOURCE_DATE_EPOCH: EPOCH });
    assert.equal(viaDaemon.code, 0, describeResult(viaDaemon));
    const digest = viaDaemon.stdout.trim();
    assert.match(digest, /^sha256:[0-9a-f]{64}$/);
    assert.match(viaDaemon.stderr, /RUN echo "built-\$X" > \/mark/);
    assert.match(viaDaemon.stderr, /Built localhost\/db:1: 4 steps/);
    const lines = await builtLines(r);
    assert.equal(lines.length, 1, lines.join("\n"));
    assert.ok(lines[0]!.includes(`(${digest}) from ${ctx}`), lines[0]);
    // SOURCE_DATE_EPOCH reached the build from the CLI's environment, not the daemon's.
    const inspect = await cli(r, ["image", "inspect", "localhost/db:1"]);
    assert.equal(inspect.code, 0, describeResult(inspect));
    assert.equal((JSON.parse(inspect.stdout) as { Created: string }[])[0]!.Created, new Date(Number(EPOCH) * 1000).toISOString());
    const out = await cli(r, ["run", "--rm", "--network", "none", "localhost/db:1", "/bin/busybox", "cat", "/mark"]);
    assert.equal(out.stdout, "built-1\n", describeResult(out));

    const stop = await cli(r, ["daemon", "stop"]);
    assert.equal(stop.code, 0, describeResult(stop));
    const local = await cli(r, ["build", "--network", "none", "--build-arg", "X=1", "-t", "localhost/db:1", ctx], { SOURCE_DATE_EPOCH: EPOCH });
    assert.equal(local.code, 0, describeResult(local));
    assert.equal(local.stdout.trim(), digest);
    assert.equal((await builtLines(r)).length, 1, "the daemon built nothing more");
  });

  it("answers hostile build requests with errors that name the field, and builds nothing", async (t) => {
    const r = stackRoot(t);
    if (!r) return;
    const start = await cli(r, ["daemon", "start"]);
    assert.equal(start.code, 0, describeResult(start));
    const socket = daemonPaths(r.root).socket;
    const before = (await builtLines(r)).length;
    for (const [body, field] of [
      [JSON.stringify({ context: "relative/dir", tags: [] }), /context/],
      [JSON.stringify({ context: "/tmp", dockerfile: "../Dockerfile", tags: [] }), /dockerfile/],
      [JSON.stringify({ context: "/tmp", tags: [], privileged: true }), /privileged|unrecognized/i],
      [JSON.stringify({ context: "/tmp", tags: [], buildArgs: { "A=B": "x" } }), /buildArgs/],
      ["{not json", /JSON/i],
    ] as const) {
      const res = await post(socket, "/v1/build", body);
      assert.equal(res.status, 400, `${body}: ${res.status} ${res.body}`);
      assert.match(res.body, field, body);
    }
    // Well formed but nothing to build there: the error travels as the stream's last line.
    const missing = await post(socket, "/v1/build", JSON.stringify({ context: join(r.fx.tmp.path, "no-such-dir"), tags: [] }));
    assert.equal(missing.status, 200);
    const last = JSON.parse(missing.body.trim().split("\n").at(-1)!) as { error?: { message: string } };
    assert.match(last.error?.message ?? "", /no-such-dir/);
    assert.equal((await builtLines(r)).length, before);
  });

  it("stops the daemon's build when the CLI that asked for it is killed", async (t) => {
    const r = stackRoot(t);
    if (!r) return;
    const start = await cli(r, ["daemon", "start"]);
    assert.equal(start.code, 0, describeResult(start));
    const ctx = await context(r, "b3", `FROM ${IMAGE}\nRUN /bin/busybox sleep 987654\n`);
    const before = (await builtLines(r)).length;
    const child = spawn(process.execPath, [BERTH_BIN, "--root", r.root, "build", "--no-cache", "--network", "none", ctx], { stdio: "ignore" });
    try {
      const sleeping = (): Promise<number[]> => pidsWithCommandLine("sleep 987654");
      await eventually("the RUN step runs", async () => (await sleeping()).length > 0, 60_000);
      child.kill("SIGKILL");
      await eventually("the RUN step stopped", async () => (await sleeping()).length === 0, 30_000);
      await sleep(500);
      assert.equal((await builtLines(r)).length, before, "nothing was built");
    } finally {
      child.kill("SIGKILL");
    }
  });
});
