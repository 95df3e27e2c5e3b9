import { it } from "node:test";
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { settleBoth } from "./settle-both.js";

it("settleBoth resolves with both values and releases nothing", async () => {
  const released: string[] = [];
  assert.deepEqual(await settleBoth(Promise.resolve(1), sleep(5).then(() => "b"), (b) => released.push(b)), [1, "b"]);
  assert.deepEqual(released, []);
});

it("settleBoth releases the second value when the first fails, after it has arrived", async () => {
  const released: string[] = [];
  await assert.rejects(settleBoth(Promise.reject(new Error("session refused")), sleep(10).then(() => "stream"), (b) => released.push(b)), /session refused/);
  assert.deepEqual(released, ["stream"]);
});

it("settleBoth throws the second failure when only it fails, and the first's when both do", async () => {
  const released: string[] = [];
  await assert.rejects(settleBoth(Promise.resolve(1), Promise.reject(new Error("no source")), (b: string) => released.push(b)), /no source/);
  await assert.rejects(settleBoth(Promise.reject(new Error("first")), Promise.reject(new Error("second")), (b: string) => released.push(b)), /first/);
  assert.deepEqual(released, []);
});
