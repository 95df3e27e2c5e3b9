import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import { untilInterrupted } from "./until-interrupted.js";

describe("untilInterrupted", () => {
  it("aborts on the first Ctrl-C with the given reason, and leaves a second one to Node's default", async () => {
    const before = process.listenerCount("SIGINT");
    const told: string[] = [];
    const reason = new Error("interrupted");
    const seen = await untilInterrupted(async (signal) => {
      assert.equal(process.listenerCount("SIGINT"), before + 1);
      process.emit("SIGINT", "SIGINT");
      await (signal.aborted ? Promise.resolve() : once(signal, "abort"));
      assert.equal(process.listenerCount("SIGINT"), before, "a second Ctrl-C is not caught: it quits at once");
      assert.equal(process.listenerCount("SIGTERM"), 0);
      return signal.reason as unknown;
    }, { onFirst: (sig) => told.push(sig), reason: () => reason });
    assert.equal(seen, reason);
    assert.deepEqual(told, ["SIGINT"]);
  });

  it("removes its handlers when fn ends without a signal; SIGTERM aborts too", async () => {
    const before = process.listenerCount("SIGTERM");
    assert.equal(await untilInterrupted(async () => 7), 7);
    assert.equal(process.listenerCount("SIGTERM"), before);
    const aborted = await untilInterrupted(async (signal) => {
      process.emit("SIGTERM", "SIGTERM");
      return signal.aborted && (signal.reason as Error).name === "AbortError";
    });
    assert.equal(aborted, true);
  });
});
