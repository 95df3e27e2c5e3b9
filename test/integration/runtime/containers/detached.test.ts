// Containers that outlive the CLI: run -d, logs after the end, and a container whose conmon monitor is killed.
import assert from "node:assert/strict";
import { readFile, readlink } from "node:fs/promises";
import { describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { isAlive, waitForExit } from "../../../support/process.js";
import { describeResult } from "../../../support/run.js";
import { CONMON, IMAGE, useSession } from "./berth-session.js";
import { waitFor } from "../../../support/wait-for.js";

/** The parent pid of `pid`, from /proc/PID/stat (the field after the state letter). */
async function parentOf(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8");
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
}

const TIMESTAMPED = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z /;

describe("containers outlive the CLI (conmon)", () => {
  const session = useSession();

  it("run -d: the CLI exits at once, the container is Up under conmon, exec reaches it", async (t) => {
    const s = await session(t);
    if (!s) return;
    s.removeAfter(t, "bg");
    const started = Date.now();
    // run() resolves only when the CLI's stdout and stderr close: a monitor that kept them would hang it.
    const r = await s.berth(["run", "-d", "--name", "bg", "--network", "none", IMAGE, "/bin/busybox", "sleep", "120"], { timeoutMs: 30_000 });
    assert.equal(r.code, 0, describeResult(r));
    assert.ok(Date.now() - started < 20_000, "run -d took longer than 20 s");
    assert.match((await s.psRow("bg", false)) ?? "no row", /\bUp /);
    const { State } = await s.inspect("bg");
    assert.equal(State.Running, true);
    assert.ok(await isAlive(State.Pid), `State.Pid ${State.Pid} is not alive`);
    assert.equal(await readlink(`/proc/${await parentOf(State.Pid)}/exe`), CONMON, "the container's parent is not conmon");
    const e = await s.berth(["exec", "bg", "/bin/sh", "-c", "echo inside; cat /proc/1/cmdline | tr '\\0' ' '"]);
    assert.equal(e.code, 0, describeResult(e));
    assert.equal(e.stdout, "inside\n/bin/busybox sleep 120 ");
  });

  it("logs after the CLI exited and the container ended: both streams, --tail, -t", async (t) => {
    const s = await session(t);
    if (!s) return;
    s.removeAfter(t, "talk");
    await s.detached(["--name", "talk", "--network", "none", IMAGE, "/bin/sh", "-c", "echo to-stderr >&2; sleep 0.2; for i in 1 2 3 4 5; do echo line-$i; done"]);
    assert.equal(await s.ok(["wait", "talk"], { timeoutMs: 30_000 }), "0\n");
    const all = await s.berth(["logs", "talk"]);
    assert.equal(all.code, 0, describeResult(all));
    assert.equal(all.stdout, "line-1\nline-2\nline-3\nline-4\nline-5\n");
    assert.equal(all.stderr, "to-stderr\n");
    const tail = await s.berth(["logs", "--tail", "2", "talk"]);
    assert.equal(tail.stdout, "line-4\nline-5\n", describeResult(tail));
    assert.equal(tail.stderr, "");
    // docker's: a negative count is all of it; what is not a count is refused.
    const negative = await s.berth(["logs", "--tail", "-1", "talk"]);
    assert.equal(negative.stdout, all.stdout, describeResult(negative));
    const junk = await s.berth(["logs", "--tail", "abc", "talk"]);
    assert.equal(junk.code, 2, describeResult(junk));
    assert.match(junk.stderr, /--tail abc: expected a number of lines/);
    const stamped = await s.berth(["logs", "-t", "--tail", "2", "talk"]);
    const lines = stamped.stdout.trimEnd().split("\n");
    assert.equal(lines.length, 2, stamped.stdout);
    const { Created, State } = await s.inspect("talk");
    for (const [i, line] of lines.entries()) {
      assert.match(line, TIMESTAMPED);
      assert.ok(line.endsWith(` line-${i + 4}`), line);
      const at = Date.parse(line.split(" ")[0] ?? "");
      assert.ok(at >= Date.parse(Created) - 1_000 && at <= Date.parse(State.FinishedAt) + 1_000, `${line}: outside the container's run`);
    }
    const none = await s.berth(["logs", "no-such-container"]);
    assert.notEqual(none.code, 0, describeResult(none));
    assert.match(none.stderr, /no-such-container/);
  });

  it("kill -9 of the conmon monitor: the container keeps running and ps/inspect say so; once stopped, ps -a shows it exited", async (t) => {
    const s = await session(t);
    if (!s) return;
    s.removeAfter(t, "orphan");
    await s.detached(["--name", "orphan", "--network", "none", IMAGE, "/bin/busybox", "sleep", "120"]);
    const { State } = await s.inspect("orphan");
    const monitor = await parentOf(State.Pid);
    assert.equal(await readlink(`/proc/${monitor}/exe`), CONMON);
    process.kill(monitor, "SIGKILL");
    assert.ok(await waitForExit(monitor, 10_000), "conmon survived SIGKILL");
    await sleep(500);
    assert.ok(await isAlive(State.Pid), "the container died with its monitor");
    assert.match((await s.psRow("orphan", false)) ?? "no row", /\bUp /);
    const after = await s.inspect("orphan");
    assert.equal(after.State.Status, "running");
    assert.equal(after.State.Pid, State.Pid);
    assert.match(after.State.Error, /monitor|conmon/, "inspect does not say the monitor is gone");
    assert.equal(await s.ok(["exec", "orphan", "/bin/sh", "-c", "echo still-here"]), "still-here\n");
    const stop = await s.berth(["stop", "-t", "1", "orphan"], { timeoutMs: 30_000 });
    assert.equal(stop.code, 0, describeResult(stop));
    assert.ok(await waitForExit(State.Pid, 10_000), "stop left the container's process alive");
    const row = await waitFor("ps -a to show orphan exited", async () => {
      const line = await s.psRow("orphan");
      return line !== undefined && /\bExited \(\d+\)/.test(line) ? line : undefined;
    });
    assert.doesNotMatch(row, /\bUp /);
    assert.equal((await s.inspect("orphan")).State.Running, false);
    assert.match(await s.ok(["wait", "orphan"], { timeoutMs: 10_000 }), /^\d+\n$/);
    await s.ok(["rm", "orphan"]);
    await s.assertNoContainers();
  });
});
