import { it } from "node:test";
import assert from "node:assert/strict";
import { digestOf } from "../oci/index.js";
import { ByteProgress, emitProgress, type ProgressEvent } from "./progress.js";

const blob = { digest: digestOf("x"), size: 1000 };

it("ByteProgress reports at most once per interval and always the final count", () => {
  const events: ProgressEvent[] = [];
  const p = new ByteProgress((e) => events.push(e), blob, 100, 60_000);
  for (let i = 0; i < 100; i++) p.add(9);
  assert.equal(events.length, 1, "one report in the interval");
  p.flush();
  assert.deepEqual(events.at(-1), { type: "blob-bytes", digest: blob.digest, size: 1000, bytes: 1000 });
  p.flush();
  assert.equal(events.length, 2, "no report when nothing changed");
  p.reset(0);
  assert.equal((events.at(-1) as { bytes: number }).bytes, 0);
});

it("emitProgress ignores what a listener throws", () => {
  emitProgress(() => {
    throw new Error("broken display");
  }, { type: "blob-done", digest: blob.digest, size: 1 });
});
