import assert from "node:assert/strict";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { coldStart, measureColdStarts } from "./up-cold-start.js";
import type { ObservedReplica } from "./up-readiness.js";
import type { StackSide } from "./up-side.js";

// Tiny real sides: a stack that is healthy at once, whose up command takes `upMs` or fails.
function fakeSide(name: string, upMs: number, fails = false): StackSide & { downs: number; ups: number } {
  const side = {
    name, downs: 0, ups: 0,
    async up() {
      side.ups++;
      await sleep(upMs);
      if (fails) throw new Error("exited 1\nstdout:\nstderr:\nerror: cart is unhealthy");
    },
    observe: async (): Promise<ObservedReplica[]> => [{ service: "s", id: "1", running: true, health: "healthy" }],
    pidOf: async () => 0,
    async down() {
      side.downs++;
    },
  };
  return side;
}
const base = { expected: { s: 1 }, timeoutMs: 5_000, signal: new AbortController().signal, log: () => undefined };

test("coldStart: a stack healthy before its command returns is timed to the command's return, then taken down", async () => {
  const side = fakeSide("b", 80);
  const got = await coldStart(side, base);
  assert.ok(got.commandSeconds >= 0.07 && got.seconds >= got.commandSeconds, JSON.stringify(got));
  assert.equal(side.downs, 1);
});

test("coldStart: a failed up command ends the wait at once with its reason, and down still runs", async () => {
  const side = fakeSide("b", 10, true);
  const started = Date.now();
  await assert.rejects(coldStart(side, { ...base, expected: { s: 2 } }), /b up failed: exited 1 \| stdout: \| stderr: \| error: cart is unhealthy/);
  assert.ok(Date.now() - started < 2_000, "not the 5 s timeout");
  assert.equal(side.downs, 1);
});

test("measureColdStarts: warm-ups untimed, every failed round recorded, the rounds go on", async () => {
  const good = fakeSide("good", 1);
  const bad = fakeSide("bad", 1, true);
  const got = await measureColdStarts([good, bad], { ...base, warmup: 1, runs: 2 });
  assert.equal(got[0]!.seconds.length, 2);
  assert.equal(got[0]!.commandSeconds?.length, 2);
  assert.equal(good.ups, 3);
  assert.equal(bad.ups, 3);
  assert.equal(bad.downs, 3, "taken down after each failure");
  assert.deepEqual(got[1]!.seconds, []);
  assert.deepEqual(got[1]!.problems.map((p) => p.split(":")[0]), ["warm-up", "round 1", "round 2"]);
});
