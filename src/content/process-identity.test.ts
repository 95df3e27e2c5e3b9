import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { identityOf, isRunning, selfIdentity } from "./process-identity.js";

describe("process identity", () => {
  it("selfIdentity is this process as /proc tells it, the same on every call", async () => {
    const me = await selfIdentity();
    assert.equal(me.pid, process.pid);
    assert.match(me.startTime, /^\d+$/);
    assert.deepEqual(await identityOf(process.pid), me);
    assert.equal(await selfIdentity(), me);
    assert.equal(await isRunning(me), true);
  });

  it("a reused pid (another start time) is not the process named", async () => {
    const me = await selfIdentity();
    assert.equal(await isRunning({ pid: me.pid, startTime: String(Number(me.startTime) + 1) }), false);
  });

  it("a process that has ended, and pids that cannot be, have no identity", async () => {
    const child = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
    const id = await identityOf(child.pid!);
    await once(child, "exit");
    if (id !== undefined) assert.equal(await isRunning(id), false);
    assert.equal(await identityOf(child.pid!), undefined);
    for (const pid of [0, -1, 1.5, Number.NaN]) assert.equal(await identityOf(pid), undefined);
  });
});
