// `berth run` with something other than a current daemon on the root's socket. A daemon older than the
// CLI (berth's own router with no routes: its answer is the real one) → the CLI runs the container
// itself. A daemon that answers what is not a container id, an error, something that is not a frame
// stream, or a stream that stops before the exit code → the CLI fails with exit 125 saying so, and
// runs nothing itself. A fake daemon's frames reach the terminal as they are.
import assert from "node:assert/strict";
import { mkdir } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { describe, it } from "node:test";
import { daemonPaths } from "../../../src/api/index.js";
import { ApiRouter } from "../../../src/api/api-router.js";
import { encodeFrame, FRAME_CONTENT_TYPE, FRAME_MESSAGE, FRAME_STDERR, FRAME_STDOUT } from "../../../src/api/frame-stream.js";
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
    assert.deepEqual(requests, ["POST /v1/containers/run/attached"], "the CLI asked the daemon first");
    await assertClean(fx);
  });

  it("a daemon that answers a path, an error, no frames or a cut stream: exit 125 with what went wrong, nothing run", async (t) => {
    const fx = await fixture(t);
    if (!fx) return;
    const message = (m: unknown): Buffer => encodeFrame(FRAME_MESSAGE, Buffer.from(JSON.stringify(m)));
    const ID = "a".repeat(64);
    const cases: readonly [string, number, string, Buffer, RegExp][] = [
      ["liar", 200, FRAME_CONTENT_TYPE, message({ id: "../../../etc" }), /answered a run with \{"id":"\.\.\/\.\.\/\.\.\/etc"\}, not a container id/],
      ["broken", 503, "application/json", Buffer.from(JSON.stringify({ error: { code: "UNAVAILABLE", message: "shutting down" } })), /shutting down/],
      ["unframed", 200, "application/json", Buffer.from(JSON.stringify({ id: ID })), /not a frame stream/],
      ["garbage", 200, FRAME_CONTENT_TYPE, Buffer.from(`{"id":"${ID}"}\n`), /not a berth frame stream/],
      ["cut", 200, FRAME_CONTENT_TYPE, Buffer.concat([message({ id: ID }), encodeFrame(FRAME_STDOUT, Buffer.from("partial")).subarray(0, 10)]), /ended early/],
      ["no exit", 200, FRAME_CONTENT_TYPE, message({ id: ID }), /without an exit code/],
      ["bad exit", 200, FRAME_CONTENT_TYPE, Buffer.concat([message({ id: ID }), message({ exitCode: "0; rm -rf /" })]), /exit code "0; rm -rf \/", not one from 0 to 255/],
      ["bad start error", 200, FRAME_CONTENT_TYPE, message({ startError: { id: ID, exitCode: 0, message: "fine" } }), /answered a run with \{"startError".*not a container id/],
      ["failed", 200, FRAME_CONTENT_TYPE, Buffer.concat([message({ id: ID }), message({ error: { code: "INTERNAL", message: "disk on fire" } })]), /disk on fire/],
    ];
    for (const [name, status, type, body, expected] of cases) {
      const root = join(fx.tmp.path, name.replaceAll(" ", "-"));
      await fakeDaemon(t, root, (_req, res) => {
        res.writeHead(status, { "content-type": type });
        res.end(body);
      });
      const r = await berth(root, "run", "--rm", "--network", "none", "localhost/busybox:t1", "/bin/sh", "-c", "echo must-not-run");
      assert.equal(r.code, 125, `${name}: ${describeResult(r)}`);
      assert.match(r.stderr, expected, name);
      assert.equal(r.stdout, "", name);
    }
  });

  it("a daemon's frames: stdout and stderr as sent, the exit code last; -d prints the id", async (t) => {
    const fx = await fixture(t);
    if (!fx) return;
    const ID = "b".repeat(64);
    const message = (m: unknown): Buffer => encodeFrame(FRAME_MESSAGE, Buffer.from(JSON.stringify(m)));
    const requests = await fakeDaemon(t, fx.root, (req, res) => {
      if (req.url === "/v1/containers/run") {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ id: ID }));
        return;
      }
      res.writeHead(200, { "content-type": FRAME_CONTENT_TYPE });
      res.end(Buffer.concat([message({ id: ID }), encodeFrame(FRAME_STDOUT, Buffer.from([0x6f, 0x75, 0x74, 0, 0xff])), encodeFrame(FRAME_STDERR, Buffer.from("err\n")), message({ exitCode: 42 })]));
    });
    const r = await berth(fx.root, "run", "--rm", "--network", "none", "localhost/busybox:t1");
    assert.equal(r.code, 42, describeResult(r));
    assert.equal(r.stdout, "out\x00\ufffd");
    assert.equal(r.stderr, "err\n");
    const d = await berth(fx.root, "run", "-d", "--network", "none", "localhost/busybox:t1");
    assert.equal(d.code, 0, describeResult(d));
    assert.equal(d.stdout, `${ID}\n`);
    assert.deepEqual(requests, ["POST /v1/containers/run/attached", "POST /v1/containers/run"]);
  });
});
