// `berth build` against a daemon older than the CLI (no build API: its router answers "no API
// route"): the CLI says so and builds itself, to the same image as with no daemon. The older daemon
// is berth's own router with no routes on the root's socket, so its answer is the real one.
import assert from "node:assert/strict";
import { mkdir, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { daemonPaths } from "../../../src/api/index.js";
import { ApiRouter } from "../../../src/api/api-router.js";
import { BERTH_BIN } from "../../support/berth-server.js";
import { describeResult, run, type RunResult } from "../../support/run.js";
import { tempDir, type TempDir } from "../../support/temp-dir.js";

describe("berth build with a daemon that has no build API", () => {
  let tmp: TempDir;
  let server: Server | undefined;
  let ctx = "";
  const requests: string[] = [];
  const berth = (root: string, ...args: string[]): Promise<RunResult> =>
    run(process.execPath, [BERTH_BIN, "--root", root, ...args], { env: { ...process.env, SOURCE_DATE_EPOCH: "1700000000" }, timeoutMs: 60_000 });

  before(async () => {
    tmp = await tempDir("berth-old-daemon-");
    ctx = join(tmp.path, "ctx");
    await mkdir(ctx);
    await writeFile(join(ctx, "Dockerfile"), "FROM scratch\nCOPY f /f\n");
    await writeFile(join(ctx, "f"), "f\n");
  });
  after(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    await tmp?.remove();
  });

  it("warns and builds in the CLI, to the image a build with no daemon makes", async () => {
    const alone = await berth(join(tmp.path, "alone"), "build", "-q", "-t", "localhost/old:1", ctx);
    assert.equal(alone.code, 0, describeResult(alone));

    const root = join(tmp.path, "root");
    const { socket, dir } = daemonPaths(root);
    await mkdir(dir, { recursive: true });
    const router = new ApiRouter();
    server = createServer((req, res) => {
      requests.push(`${req.method} ${req.url}`);
      void router.handle(req, res);
    });
    await new Promise<void>((resolve) => server!.listen(socket, resolve));

    const built = await berth(root, "build", "-q", "-t", "localhost/old:1", ctx);
    assert.equal(built.code, 0, describeResult(built));
    assert.deepEqual(requests, ["POST /v1/build"], "the CLI asked the daemon first");
    assert.match(built.stderr, /warning: the running daemon is older than this berth \(it has no build API\): building here/);
    assert.equal(built.stdout, alone.stdout, "the same image as a build with no daemon");
  });

  it("fails on any other error from the daemon, without building", async () => {
    const root = join(tmp.path, "broken");
    const { socket, dir } = daemonPaths(root);
    await mkdir(dir, { recursive: true });
    const broken = createServer((_req, res) => {
      res.writeHead(503, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { code: "UNAVAILABLE", message: "shutting down" } }));
    });
    await new Promise<void>((resolve) => broken.listen(socket, resolve));
    try {
      const built = await berth(root, "build", "-q", "-t", "localhost/old:2", ctx);
      assert.notEqual(built.code, 0, describeResult(built));
      assert.match(built.stderr, /shutting down/);
      assert.equal(built.stdout, "");
    } finally {
      broken.closeAllConnections();
      await new Promise((resolve) => broken.close(resolve));
    }
  });
});
