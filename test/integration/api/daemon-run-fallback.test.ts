// `berth run` with something other than a current daemon on the root's socket. A daemon older than the
// CLI (berth's own router with no routes: its answer is the real one) → the CLI runs the container
// itself. A daemon that answers what is not a container id, or an error → the CLI fails with exit 125
// and runs nothing.
import assert from "node:assert/strict";
import { mkdir } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { describe, it } from "node:test";
import { daemonPaths } from "../../../src/api/index.js";
import { ApiRouter } from "../../../src/api/api-router.js";
import { describeResult, run, type RunResult } from "../../support/run.js";
import { assertClean, RUN_CLI, useRuntimeFixture } from "../runtime/runtime-fixture.js";

/** A server on `root`'s daemon socket; closed when the test ends. */
async function fakeDaemon(t: { after: (fn: () => Promise<void>) => void }, root: string, handler: Parameters<typeof createServer>[1]): Promise<string[]> {
  const { socket, dir } = daemonPaths(root);
  await mkdir(dir, { recursive: true });
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    handler!(req, res);
  });
  await new Promise<void>((resolve) => server.listen(socket, resolve));
  t.after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  return requests;
}

describe("berth run with a daemon that cannot take the container", () => {
  const fixture = useRuntimeFixture();
  const berth = (root: string, ...args: string[]): Promise<RunResult> => run(process.execPath, [RUN_CLI, "--root", root, ...args], { timeoutMs: 60_000 });

  it("an older daemon (no run API): the CLI runs the container itself", async (t) => {
    const fx = await fixture(t);
    if (!fx) return;
    const router = new ApiRouter();
    const requests = await fakeDaemon(t, fx.root, (req, res) => void router.handle(req, res));
    const r = await berth(fx.root, "run", "--rm", "--network", "none", "localhost/busybox:t1", "/bin/sh", "-c", "echo ran-here; exit 5");
    assert.equal(r.code, 5, describeResult(r));
    assert.equal(r.stdout, "ran-here\n");
    assert.deepEqual(requests, ["POST /v1/containers/run"], "the CLI asked the daemon first");
    await assertClean(fx);
  });

  it("a daemon that answers a path, or an error: exit 125 with what it said, nothing run", async (t) => {
    const fx = await fixture(t);
    if (!fx) return;
    const cases: readonly [string, number, unknown, RegExp][] = [
      ["liar", 200, { id: "../../../etc" }, /answered a run with \{"id":"\.\.\/\.\.\/\.\.\/etc"\}, not a container id/],
      ["broken", 503, { error: { code: "UNAVAILABLE", message: "shutting down" } }, /shutting down/],
    ];
    for (const [name, status, body, message] of cases) {
      const root = join(fx.tmp.path, name);
      await fakeDaemon(t, root, (_req, res) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(body));
      });
      const r = await berth(root, "run", "--rm", "--network", "none", "localhost/busybox:t1", "/bin/sh", "-c", "echo must-not-run");
      assert.equal(r.code, 125, describeResult(r));
      assert.match(r.stderr, message);
      assert.equal(r.stdout, "");
    }
  });
});
