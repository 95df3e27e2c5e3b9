import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { whenAll } from "./when-all.js";

const later = <T>(ms: number, value: T, fail = false): Promise<T> =>
  new Promise((resolve, reject) => setTimeout(() => (fail ? reject(value) : resolve(value)), ms));

describe("whenAll", () => {
  it("gives every value, in argument order", async () => {
    assert.deepEqual(await whenAll([later(20, "a"), later(1, 2), undefined] as const), ["a", 2, undefined]);
  });

  it("rejects with the first failure in argument order, not the first in time", async () => {
    await assert.rejects(whenAll([later(30, new Error("slow"), true), later(1, new Error("fast"), true)]), /slow/);
  });

  it("rejects only after every step is over", async () => {
    let finished = false;
    const slow = later(40, "done").then((v) => ((finished = true), v));
    await assert.rejects(whenAll([Promise.reject(new Error("at once")), slow]), /at once/);
    assert.equal(finished, true);
  });
});
