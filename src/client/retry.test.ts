import { it } from "node:test";
import assert from "node:assert/strict";
import { isBerthError } from "../oci/index.js";
import { isRetryableStatus, retryDelay, retryPolicy, sleep } from "./retry.js";

it("retryPolicy fills in defaults and clamps nonsense", () => {
  assert.deepEqual(retryPolicy(), { retries: 4, baseDelayMs: 250, maxDelayMs: 10_000 });
  assert.deepEqual(retryPolicy({ retries: -3, baseDelayMs: -1 }), { retries: 0, baseDelayMs: 0, maxDelayMs: 10_000 });
});

it("retryDelay doubles, with half of it random, and stays under the cap", () => {
  const p = retryPolicy({ baseDelayMs: 100, maxDelayMs: 1000 });
  assert.equal(retryDelay(1, p, undefined, () => 0), 50);
  assert.equal(retryDelay(1, p, undefined, () => 1), 100);
  assert.equal(retryDelay(3, p, undefined, () => 1), 400);
  assert.equal(retryDelay(10, p, undefined, () => 1), 1000);
  assert.equal(retryDelay(1000, p, undefined, () => 1), 1000);
});

it("retryDelay honours Retry-After in seconds or as a date, up to the cap", () => {
  const p = retryPolicy({ maxDelayMs: 5000 });
  assert.equal(retryDelay(1, p, "2"), 2000);
  assert.equal(retryDelay(1, p, "3600"), 5000);
  const soon = new Date(Date.now() + 60_000).toUTCString();
  assert.equal(retryDelay(1, p, soon), 5000);
  assert.ok(retryDelay(1, p, "garbage", () => 0) < 5000);
});

it("isRetryableStatus: timeouts, rate limits, 5xx, not 4xx", () => {
  assert.deepEqual([408, 429, 500, 502, 503, 504].map(isRetryableStatus), [true, true, true, true, true, true]);
  assert.deepEqual([400, 401, 403, 404, 416, 501].map(isRetryableStatus), [false, false, false, false, false, false]);
});

it("sleep stops with CANCELLED as soon as the signal aborts", async () => {
  const ac = new AbortController();
  const started = Date.now();
  setTimeout(() => ac.abort(), 20);
  await assert.rejects(sleep(10_000, ac.signal, "wait"), (e: unknown) => isBerthError(e, "CANCELLED"));
  assert.ok(Date.now() - started < 2000);
  await assert.rejects(sleep(10, ac.signal, "wait"), (e: unknown) => isBerthError(e, "CANCELLED"));
});
