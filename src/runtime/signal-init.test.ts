import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { describe, it } from "node:test";
import { identityOf, type ProcessIdentity } from "./process-identity.js";
import { signalInit, signalNumber, signalsInitDirectly } from "./signal-init.js";

/** A `sleep` standing in for a container's init, with its identity. */
async function sleeper(): Promise<{ child: ChildProcess; pid: ProcessIdentity }> {
  const child = spawn("sleep", ["30"], { stdio: "ignore" });
  await once(child, "spawn");
  const pid = await identityOf(child.pid!);
  assert.ok(pid, "the sleeper has no identity");
  return { child, pid };
}

const noRuntime = async (): Promise<boolean> => assert.fail("runc was asked, though the signal could be sent here");
const direct = { direct: true, viaRuntime: noRuntime };

describe("signalInit", () => {
  it("signals the init itself, by name or number, without the runtime", async () => {
    for (const signal of ["SIGTERM", "9"]) {
      const { child, pid } = await sleeper();
      const exited = once(child, "exit");
      assert.equal(await signalInit({ pid }, signal, direct), true);
      const [, by] = (await exited) as [number | null, NodeJS.Signals | null];
      assert.equal(by, signal === "9" ? "SIGKILL" : "SIGTERM");
    }
  });

  it("SIGKILL to every process is SIGKILL to the init (its pid namespace dies with it)", async () => {
    const { child, pid } = await sleeper();
    const exited = once(child, "exit");
    assert.equal(await signalInit({ pid }, "SIGKILL", { ...direct, all: true }), true);
    assert.equal(((await exited) as [number | null, string | null])[1], "SIGKILL");
  });

  it("leaves to the runtime what it cannot do here: another runtime's, no identity, a signal Node lacks, another signal to all", async () => {
    const { child, pid } = await sleeper();
    try {
      const asked: string[] = [];
      const runtime = (why: string) => async (): Promise<boolean> => (asked.push(why), true);
      assert.equal(await signalInit({ pid }, "SIGKILL", { direct: false, viaRuntime: runtime("runsc") }), true);
      assert.equal(await signalInit({}, "SIGTERM", { direct: true, viaRuntime: runtime("no pid") }), true);
      assert.equal(await signalInit({ pid }, "SIGRTMIN+3", { direct: true, viaRuntime: runtime("rt") }), true);
      assert.equal(await signalInit({ pid }, "SIGTERM", { direct: true, all: true, viaRuntime: runtime("all") }), true);
      assert.deepEqual(asked, ["runsc", "no pid", "rt", "all"]);
      assert.equal(child.exitCode, null);
      assert.equal(child.signalCode, null);
    } finally {
      child.kill("SIGKILL");
    }
  });

  it("an ended init, or a pid now someone else's, is not signalled: false", async () => {
    const { child, pid } = await sleeper();
    try {
      // Same pid, another start time: a reused pid.
      assert.equal(await signalInit({ pid: { pid: pid.pid, startTime: `${pid.startTime}0` } }, "SIGKILL", direct), false);
      assert.equal(child.signalCode, null);
    } finally {
      child.kill("SIGKILL");
      await once(child, "exit");
    }
    assert.equal(await signalInit({ pid }, "SIGTERM", direct), false);
  });

  it("signals runc's and crun's containers itself, no other runtime's", () => {
    for (const b of ["/usr/sbin/runc", "/usr/bin/crun", "runc"]) assert.equal(signalsInitDirectly(b), true, b);
    for (const b of ["/usr/bin/runsc", "/tmp/oci-wrapper", "/usr/bin/kata-runtime", "/bin/true"]) assert.equal(signalsInitDirectly(b), false, b);
  });

  it("knows signal names Node knows and numbers 1-64", () => {
    assert.equal(signalNumber("SIGTERM"), 15);
    assert.equal(signalNumber("SIGKILL"), 9);
    assert.equal(signalNumber("64"), 64);
    for (const s of ["0", "65", "SIGRTMIN+3", "TERM", "SIGNOPE", ""]) assert.equal(signalNumber(s), undefined, s);
  });
});
