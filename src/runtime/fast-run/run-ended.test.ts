import assert from "node:assert/strict";
import { rm, writeFile } from "node:fs/promises";
import { describe, it } from "node:test";
import { fastRunFixture } from "./fast-run.test-support.js";
import { runEnded } from "./run-ended.js";

describe("runEnded", () => {
  const { ctx, running } = fastRunFixture();

  it("waits while the run goes on and wakes as soon as conmon writes the exit file", async () => {
    const c = await running();
    let ended = false;
    const waiting = runEnded(ctx(), c).then(() => (ended = true));
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(ended, false);
    const written = Date.now();
    await writeFile(ctx().exitFile(c.id), "3");
    await waiting;
    // inotify, not the one-second look.
    assert.ok(Date.now() - written < 900, `woke after ${Date.now() - written} ms`);
  });

  it("ends for a run settled elsewhere, a monitor that died without an exit file, a container removed", async () => {
    const settled = await running({ status: "exited", exitCode: 0 });
    await runEnded(ctx(), settled);
    const dead = await running({ monitor: { pid: 2 ** 22 + 1, startTime: "1" } });
    await runEnded(ctx(), dead);
    const gone = await running();
    await rm(ctx().dir(gone.id), { recursive: true });
    await runEnded(ctx(), gone);
  });

  it("rejects when its signal aborts", async () => {
    const c = await running();
    await assert.rejects(runEnded(ctx(), c, AbortSignal.timeout(100)), { name: "TimeoutError" });
  });
});
