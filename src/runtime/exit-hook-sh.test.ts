import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { access, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { EXIT_HOOK_SH, EXIT_HOOK_WAITS } from "./exit-hook-sh.js";

const RUN = "0123456789abcdef";

/** Run the script for container dir `dir`; its hook (what it would exec) writes `dir/hook-ran`. Resolves with the time it took. */
async function runScript(dir: string, waits = "0.1 0.2 0.4 0.8"): Promise<number> {
  const started = Date.now();
  const hook = ["/bin/sh", "-c", 'echo ran > "$0/hook-ran"', dir];
  const child = spawn("/bin/sh", ["-c", EXIT_HOOK_SH, "berth-exit-hook", dir, RUN, waits, ...hook], { stdio: "ignore", env: {} });
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  assert.equal(code, 0);
  return Date.now() - started;
}

const hookRan = (dir: string): Promise<boolean> => access(join(dir, "hook-ran")).then(() => true, () => false);

describe("EXIT_HOOK_SH", () => {
  let base = "";
  let n = 0;
  before(async () => {
    base = await mkdtemp(join(tmpdir(), "berth-exit-sh-"));
  });
  after(async () => {
    await rm(base, { recursive: true, force: true });
  });
  const containerWith = async (state: string | undefined, lock = false): Promise<string> => {
    const dir = await mkdtemp(join(base, `c${n++}-`));
    if (state !== undefined) await writeFile(join(dir, "state.json"), state);
    if (lock) await writeFile(join(dir, "state.lock"), "1");
    return dir;
  };

  const cases: readonly [string, string | undefined, boolean][] = [
    ["this run still running: the hook runs", JSON.stringify({ status: "running", restartCount: 0, runId: RUN }), true],
    ["restarting because of this run: the hook runs", JSON.stringify({ status: "restarting", restartCount: 1, restartOf: RUN, exitCode: 1 }), true],
    ["settled already: nothing to do", JSON.stringify({ status: "exited", restartCount: 0, exitCode: 0 }), false],
    ["a later run is running: not ours", JSON.stringify({ status: "running", restartCount: 1, runId: "fedcba9876543210" }), false],
    ["restarting because of another run: not ours", JSON.stringify({ status: "restarting", restartCount: 1, restartOf: "fedcba9876543210" }), false],
    ["no state (removed): nothing to do", undefined, false],
    ["an error text quoting the keys does not pass for them", JSON.stringify({ status: "exited", restartCount: 0, error: `"status":"running","runId":"${RUN}"` }), false],
    ["garbage: nothing to do", "not json at all", false],
  ];
  for (const [name, state, runs] of cases) {
    it(name, async () => {
      const dir = await containerWith(state);
      await runScript(dir);
      assert.equal(await hookRan(dir), runs);
    });
  }

  it("waits while a stop is settling the run, and ends without the hook once it has", async () => {
    const dir = await containerWith(JSON.stringify({ status: "running", restartCount: 0, runId: RUN, stoppedByUser: true }));
    const settled = new Promise((r) => setTimeout(r, 300)).then(() => writeFile(join(dir, "state.json"), JSON.stringify({ status: "exited", restartCount: 0, exitCode: 137, stoppedByUser: true })));
    const ms = await runScript(dir);
    await settled;
    assert.equal(await hookRan(dir), false);
    // One look at the start, the next after 1 s (not after 0.1 and 0.2 s: a pause is a process).
    assert.ok(ms >= 950 && ms < 5_000, `took ${ms} ms`);
  });

  it("runs the hook after its waits when a run stopped by the user is never settled (a kill nobody waits on)", async () => {
    const dir = await containerWith(JSON.stringify({ status: "running", restartCount: 0, runId: RUN, stoppedByUser: true }));
    const ms = await runScript(dir, "0.1 0.2");
    assert.equal(await hookRan(dir), true);
    assert.ok(ms >= 1_900 && ms < 10_000, `took ${ms} ms`);
  });

  it("runs the hook itself when a held lock is never released (its holder died), after its waits", async () => {
    const dir = await containerWith(JSON.stringify({ status: "running", restartCount: 0, runId: RUN }), true);
    const ms = await runScript(dir);
    assert.equal(await hookRan(dir), true);
    assert.ok(ms >= 1_500 && ms < 10_000, `took ${ms} ms`);
  });

  it("waits about half a minute in all by default, pausing at most 2 s", () => {
    const waits = EXIT_HOOK_WAITS.split(" ").map(Number);
    const total = waits.reduce((a, b) => a + b, 0);
    assert.ok(total >= 25 && total <= 40, `${total} s`);
    assert.ok(waits.every((w) => w > 0 && w <= 2));
  });
});
