import { it } from "node:test";
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { isBerthError } from "../../oci/index.js";
import { createLimiter } from "./limit.js";
import { runAll } from "./run-all.js";

it("createLimiter never runs more than the limit at once and runs every task", async () => {
  const limit = createLimiter(3);
  let running = 0;
  let peak = 0;
  const done: number[] = [];
  await Promise.all(Array.from({ length: 20 }, (_, i) => limit(async () => {
    running++;
    peak = Math.max(peak, running);
    await sleep(1 + (i % 4));
    running--;
    done.push(i);
  })));
  assert.equal(peak, 3);
  assert.equal(done.length, 20);
});

it("createLimiter frees the slot of a task that throws", async () => {
  const limit = createLimiter(1);
  await assert.rejects(limit(async () => {
    throw new Error("boom");
  }));
  assert.equal(await limit(async () => 42), 42);
});

it("runAll throws the first failure after cancelling and waiting for the others", async () => {
  const stopped: number[] = [];
  await assert.rejects(runAll([1, 2, 3, 4], createLimiter(4), undefined, "test", async (n, signal) => {
    if (n === 2) throw new Error("two failed");
    await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
    stopped.push(n);
    throw new Error("cancelled");
  }), /two failed/);
  assert.deepEqual(stopped.sort(), [1, 3, 4]);
});

it("runAll throws CANCELLED when the caller aborts", async () => {
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 5);
  await assert.rejects(runAll([1, 2], createLimiter(1), ac.signal, "pull x", async (_n, signal) => {
    await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
  }), (e: unknown) => isBerthError(e, "CANCELLED") && /pull x/.test(e.message));
});
