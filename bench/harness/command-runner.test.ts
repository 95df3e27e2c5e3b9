import assert from "node:assert/strict";
import { test } from "node:test";
import { CommandRunner } from "./command-runner.js";

const node = process.execPath;

test("CommandRunner.run: exit code and output, whatever the code", async () => {
  const r = await new CommandRunner().run(node, ["-e", "console.log('out'); console.error('err'); process.exit(3)"], { timeoutMs: 30_000 });
  assert.equal(r.code, 3);
  assert.equal(r.stdout, "out\n");
  assert.equal(r.stderr, "err\n");
  assert.equal(r.timedOut, false);
});

test("CommandRunner.run: killed at the timeout", async () => {
  const r = await new CommandRunner().run(node, ["-e", "setTimeout(() => {}, 60000)"], { timeoutMs: 200 });
  assert.equal(r.timedOut, true);
  assert.equal(r.signal, "SIGKILL");
});

test("CommandRunner.run: a command that cannot start rejects, naming it", async () => {
  await assert.rejects(new CommandRunner().run("/nonexistent/tool", [], { timeoutMs: 1000 }), /\/nonexistent\/tool: cannot start/);
});

test("CommandRunner.stopAll: stops what still runs, by PID, and leaves nothing behind", async () => {
  const runner = new CommandRunner();
  const pending = runner.run(node, ["-e", "setTimeout(() => {}, 60000)"], { timeoutMs: 60_000 });
  await new Promise((r) => setTimeout(r, 200));
  const started = Date.now();
  await runner.stopAll();
  const r = await pending;
  assert.equal(r.signal, "SIGTERM");
  assert.ok(Date.now() - started < 5_000, "SIGTERM was enough; no wait for SIGKILL");
  await runner.stopAll();
});
