import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { measureOneShot } from "./oneshot-runs.js";
import type { OneShotSide } from "./oneshot-sides.js";

/** A side that records what the bench asked of it, and whose background work ends `settleMs` after a run. */
function side(name: string, events: string[], opts: { settleMs?: number } = {}): OneShotSide {
  let background: Promise<void> = Promise.resolve();
  return {
    name, isBerth: name === "berth", unavailable: undefined,
    once: async () => {
      events.push(`${name} run`);
      if (opts.settleMs !== undefined) {
        background = new Promise((r) => setTimeout(() => {
          events.push(`${name} background done`);
          r();
        }, opts.settleMs));
      }
    },
    check: async () => undefined,
    leftovers: async () => undefined,
    ...(opts.settleMs !== undefined && { settled: () => background }),
  };
}

describe("measureOneShot", () => {
  it("lets a side's background work finish before the next side's run starts", async () => {
    const events: string[] = [];
    const results = await measureOneShot([side("berth", events, { settleMs: 30 }), side("floor", events)], {
      runs: 2, warmup: 1, signal: new AbortController().signal, timeoutMs: 60_000,
    });
    assert.deepEqual(results.map((r) => r.wallMs.length), [2, 2]);
    // Each berth run is followed by its background's end before anything else runs.
    events.forEach((e, i) => {
      if (e === "berth run") assert.equal(events[i + 1], "berth background done", `after event ${i}: ${events.join(", ")}`);
    });
    assert.equal(events.filter((e) => e === "berth run").length, 3);
  });
});
