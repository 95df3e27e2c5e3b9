import assert from "node:assert/strict";
import { test } from "node:test";
import { readiness, waitUntilReady, type ObservedReplica } from "./up-readiness.js";

const r = (service: string, id: string, running: boolean, health: ObservedReplica["health"]): ObservedReplica => ({ service, id, running, health });
const expected = { catalog: 2, redis: 1 };

const cases: { name: string; observed: ObservedReplica[]; excluded?: string[]; want: { ready: boolean; summary: string } }[] = [
  { name: "all healthy", observed: [r("catalog", "a", true, "healthy"), r("catalog", "b", true, "healthy"), r("redis", "c", true, "healthy")], want: { ready: true, summary: "catalog 2/2, redis 1/1" } },
  { name: "no health check counts when running", observed: [r("catalog", "a", true, undefined), r("catalog", "b", true, undefined), r("redis", "c", true, undefined)], want: { ready: true, summary: "catalog 2/2, redis 1/1" } },
  { name: "one starting", observed: [r("catalog", "a", true, "healthy"), r("catalog", "b", true, "starting"), r("redis", "c", true, "healthy")], want: { ready: false, summary: "catalog 1/2 (1 starting), redis 1/1" } },
  { name: "an exited healthy-looking one does not count", observed: [r("catalog", "a", true, "healthy"), r("catalog", "b", false, "healthy"), r("redis", "c", true, "healthy")], want: { ready: false, summary: "catalog 1/2, redis 1/1" } },
  { name: "unhealthy", observed: [r("catalog", "a", true, "unhealthy"), r("catalog", "b", true, "healthy"), r("redis", "c", true, "healthy")], want: { ready: false, summary: "catalog 1/2 (1 unhealthy), redis 1/1" } },
  { name: "a service with nothing yet", observed: [r("catalog", "a", true, "healthy"), r("catalog", "b", true, "healthy")], want: { ready: false, summary: "catalog 2/2, redis 0/1" } },
  {
    name: "the killed replica, not yet noticed, is excluded",
    observed: [r("catalog", "a", true, "healthy"), r("catalog", "killed", true, "healthy"), r("redis", "c", true, "healthy")],
    excluded: ["killed"],
    want: { ready: false, summary: "catalog 1/2, redis 1/1" },
  },
  {
    name: "its replacement counts",
    observed: [r("catalog", "a", true, "healthy"), r("catalog", "new", true, "healthy"), r("catalog", "killed", false, "healthy"), r("redis", "c", true, "healthy")],
    excluded: ["killed"],
    want: { ready: true, summary: "catalog 2/2, redis 1/1" },
  },
  { name: "containers of other services are ignored", observed: [r("catalog", "a", true, "healthy"), r("catalog", "b", true, "healthy"), r("redis", "c", true, "healthy"), r("other", "d", false, "unhealthy")], want: { ready: true, summary: "catalog 2/2, redis 1/1" } },
];

for (const c of cases) {
  test(`readiness: ${c.name}`, () => {
    assert.deepEqual(readiness(c.observed, expected, new Set(c.excluded ?? [])), c.want);
  });
}

test("waitUntilReady: resolves on the first ready observation after alsoDone, retrying errors", async () => {
  let calls = 0;
  let done = false;
  const observe = async (): Promise<ObservedReplica[]> => {
    calls++;
    if (calls === 1) throw new Error("engine busy");
    if (calls === 3) done = true;
    return [r("redis", "c", true, calls >= 2 ? "healthy" : "starting")];
  };
  const ms = await waitUntilReady(observe, performance.now(), { expected: { redis: 1 }, timeoutMs: 5_000, intervalMs: 1, alsoDone: () => done });
  assert.equal(calls, 3);
  assert.ok(ms >= 0 && ms < 5_000);
});

test("waitUntilReady: times out naming what is missing and the last error", async () => {
  let calls = 0;
  const observe = async (): Promise<ObservedReplica[]> => {
    if (++calls % 2 === 0) throw new Error("socket closed\nstack…");
    return [r("redis", "c", true, "starting")];
  };
  await assert.rejects(
    waitUntilReady(observe, performance.now(), { expected: { redis: 1 }, timeoutMs: 50, intervalMs: 5 }),
    (e: Error) => /not all healthy within 0\.05 s: (redis 0\/1 \(1 starting\)|not observed yet)(; last observation failed: socket closed)?$/.test(e.message),
  );
});

test("waitUntilReady: an aborted signal stops it at once", async () => {
  const stop = new AbortController();
  stop.abort(new Error("cleanup started"));
  await assert.rejects(waitUntilReady(async () => [], performance.now(), { expected: { a: 1 }, timeoutMs: 60_000, signal: stop.signal }), /cleanup started/);
});
