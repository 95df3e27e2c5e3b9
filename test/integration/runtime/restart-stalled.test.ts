// A container whose monitor ends without running the exit hook — the machine restarted, or conmon
// and the container were killed — is left `restarting` by its restart policy, with nobody to restart
// it. The daemon starts such containers; a policy that does not want the container back is kept.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { describeResult, run, type RunResult } from "../../support/run.js";
import { RUN_CLI, startDaemon, stopDaemon, useRuntimeFixture, type RuntimeFixture } from "./runtime-fixture.js";

const berth = (fx: RuntimeFixture, args: readonly string[]): Promise<RunResult> => run(process.execPath, [RUN_CLI, "--root", fx.root, ...args], { timeoutMs: 60_000 });

interface StoredState { status: string; restartCount: number; pid?: { pid: number }; monitor?: { pid: number } }
const stateOf = async (fx: RuntimeFixture, id: string): Promise<StoredState> => JSON.parse(await readFile(join(fx.root, "containers", id, "state.json"), "utf8")) as StoredState;

/** What a reboot does to a container: its monitor and its processes end at once, no exit hook runs. */
async function killLikeAReboot(fx: RuntimeFixture, id: string): Promise<void> {
  const s = await stateOf(fx, id);
  assert.ok(s.pid !== undefined && s.monitor !== undefined, `no pids recorded: ${JSON.stringify(s)}`);
  process.kill(s.monitor.pid, "SIGKILL");
  process.kill(s.pid.pid, "SIGKILL");
}

async function eventually(what: string, probe: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe("containers left restarting with no exit hook (runc, as root)", () => {
  const fixture = useRuntimeFixture();

  it("the daemon starts an `always` container whose monitor was killed with it; a `no` one stays exited", async (t) => {
    const fx = await fixture(t);
    if (!fx) return;
    const ids: string[] = [];
    t.after(async () => {
      await stopDaemon(fx.root);
      for (const id of ids) await berth(fx, ["rm", "-f", id]);
    });
    for (const policy of ["always", "no"]) {
      const r = await berth(fx, ["run", "-d", "--restart", policy, "--network", "none", "localhost/busybox:t1", "/bin/sh", "-c", "sleep 600"]);
      assert.equal(r.code, 0, describeResult(r));
      ids.push(r.stdout.trim());
    }
    const [always, no] = ids as [string, string];
    const before = await stateOf(fx, always);
    for (const id of ids) await killLikeAReboot(fx, id);

    // Without a daemon nothing brings it back: ps settles the end and shows it restarting, and it stays so.
    await eventually("ps to show the ends", async () => {
      const ps = await berth(fx, ["ps", "-a", "--no-trunc"]);
      return ps.stdout.includes(always) && /Restarting \(255\)/.test(ps.stdout) && /Exited \(255\)/.test(ps.stdout);
    }, 15_000);
    await new Promise((r) => setTimeout(r, 1_000));
    assert.equal((await stateOf(fx, always)).status, "restarting");

    await startDaemon(fx.root);
    await eventually("the daemon to restart the `always` container", async () => (await stateOf(fx, always)).status === "running", 30_000);
    const after = await stateOf(fx, always);
    assert.equal(after.restartCount, before.restartCount + 1);
    assert.notEqual(after.pid?.pid, before.pid?.pid, "the same process");
    const ps = await berth(fx, ["ps", "--no-trunc"]);
    assert.match(ps.stdout, new RegExp(`${always}.*\\bUp\\b`), describeResult(ps));
    assert.equal((await stateOf(fx, no)).status, "exited", "a container whose policy is `no` was started");
    const log = await readFile(join(fx.root, "daemon", "daemon.log"), "utf8");
    assert.match(log, new RegExp(`restarted container ${always.slice(0, 12)}`));
  });
});
