import assert from "node:assert/strict";
import { test } from "node:test";
import { measureRow, medianOf, rotated, type Contender } from "./contender.js";

test("rotated: each contender goes first in turn", () => {
  assert.deepEqual(rotated(["a", "b", "c"], 0), ["a", "b", "c"]);
  assert.deepEqual(rotated(["a", "b", "c"], 1), ["b", "c", "a"]);
  assert.deepEqual(rotated(["a", "b"], 3), ["b", "a"]);
});

/** A contender that records what happened to it; `failOn` makes execute or verify throw in that run. */
function recorder(name: string, events: string[], failOn?: { run: number; step: "execute" | "verify" }, unavailable?: string): Contender {
  return {
    name, isBerth: name === "berth", unavailable,
    prepare: async (run) => {
      events.push(`${name} prepare ${run}`);
      return {
        execute: async () => {
          events.push(`${name} execute ${run}`);
          if (failOn?.run === run && failOn.step === "execute") throw new Error(`${name} broke`);
        },
        verify: async () => {
          if (failOn?.run === run && failOn.step === "verify") throw new Error(`${name}: files missing`);
        },
        dispose: async () => void events.push(`${name} dispose ${run}`),
      };
    },
  };
}

test("measureRow: rotates, disposes after failures, drops a failed contender, skips an unavailable one", async () => {
  const events: string[] = [];
  const results = await measureRow("t", [
    recorder("berth", events, { run: 1, step: "verify" }),
    recorder("peer", events),
    recorder("gone", events, undefined, "not installed"),
  ], 3);
  const executes = events.filter((e) => e.includes("execute"));
  assert.deepEqual(executes, ["berth execute 0", "peer execute 0", "peer execute 1", "berth execute 1", "peer execute 2"]);
  assert.ok(events.includes("berth dispose 1"), "disposed although verify failed");
  const [berth, peer, gone] = results;
  assert.match(berth!.problem ?? "", /failed in run 2: berth: files missing/);
  assert.equal(medianOf(berth!, 3), undefined, "an incomplete set of runs has no median");
  assert.equal(peer!.problem, undefined);
  assert.equal(peer!.seconds.length, 3);
  assert.ok(medianOf(peer!, 3) !== undefined);
  assert.equal(gone!.problem, "not run: not installed");
  assert.equal(gone!.seconds.length, 0);
});
