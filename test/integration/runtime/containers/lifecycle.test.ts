// docker's lifecycle verbs on real containers: stop, restart, start, kill -s, wait, rm -f, top, stats, inspect.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isAlive } from "../../../support/process.js";
import { describeResult } from "../../../support/run.js";
import { IMAGE, useSession, type BerthSession } from "./berth-session.js";
import { waitFor } from "../../../support/wait-for.js";

/**
 * A shell that runs about a minute in small sleeps, so that it reacts to signals at once. It says
 * `trapped` once its traps are set: a container's init ignores a signal that comes before its
 * handler (pid 1 has no default action), so a test signals it only after {@link trapsSet}.
 */
const patient = (traps: string): string[] => ["/bin/sh", "-c", `${traps} echo trapped; i=0; while [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done`];

/** Resolves once container `name`'s {@link patient} shell has set its traps. */
const trapsSet = (s: BerthSession, name: string): Promise<string> =>
  waitFor(`${name}'s traps`, async () => {
    const out = await s.ok(["logs", name]);
    return out.includes("trapped") ? out : undefined;
  });

describe("container lifecycle verbs (runc, conmon)", () => {
  const session = useSession();

  it("stop: SIGTERM first (143 when handled), SIGKILL after -t (137 when ignored); wait prints the codes", async (t) => {
    const s = await session(t);
    if (!s) return;
    s.removeAfter(t, "polite", "stubborn");
    await s.detached(["--name", "polite", "--network", "none", IMAGE, ...patient("trap 'exit 143' TERM;")]);
    await s.detached(["--name", "stubborn", "--network", "none", IMAGE, "/bin/busybox", "sleep", "120"]);
    await trapsSet(s, "polite");
    const started = Date.now();
    const polite = await s.berth(["stop", "polite"]);
    assert.equal(polite.code, 0, describeResult(polite));
    assert.equal(polite.stdout, "polite\n");
    assert.ok(Date.now() - started < 8_000, "stop waited for the timeout though the container handled SIGTERM");
    const before = Date.now();
    await s.ok(["stop", "-t", "1", "stubborn"]);
    const took = Date.now() - before;
    assert.ok(took >= 1_000 && took < 9_000, `stop -t 1 took ${took} ms`);
    assert.equal(await s.ok(["wait", "polite", "stubborn"]), "143\n137\n");
    // -t -1 waits however long it takes (docker's): the trap's own exit, no SIGKILL.
    await s.ok(["start", "polite"]);
    await trapsSet(s, "polite");
    await s.ok(["stop", "-t", "-1", "polite"]);
    assert.equal(await s.ok(["wait", "polite"]), "143\n");
    assert.match((await s.psRow("polite")) ?? "no row", /Exited \(143\)/);
    assert.match((await s.psRow("stubborn")) ?? "no row", /Exited \(137\)/);
  });

  it("restart and start: a new process, the writable layer kept; RestartCount counts only policy restarts", async (t) => {
    const s = await session(t);
    if (!s) return;
    s.removeAfter(t, "again");
    await s.detached(["--name", "again", "--network", "none", IMAGE, "/bin/sh", "-c", "echo run >> /runs; exec /bin/busybox sleep 120"]);
    const first = await s.inspect("again");
    assert.equal((await s.ok(["restart", "-t", "1", "again"])), "again\n");
    const second = await s.inspect("again");
    assert.equal(second.State.Running, true);
    assert.notEqual(second.State.Pid, first.State.Pid);
    assert.ok(second.State.StartedAt > first.State.StartedAt, `${second.State.StartedAt} not after ${first.State.StartedAt}`);
    assert.equal(await isAlive(first.State.Pid), false, "the first process survived restart");
    await s.ok(["stop", "-t", "1", "again"]);
    assert.equal(await s.ok(["start", "again"]), "again\n");
    assert.equal(await s.ok(["exec", "again", "/bin/busybox", "cat", "/runs"]), "run\nrun\nrun\n");
    assert.equal((await s.inspect("again")).RestartCount, 0);
  });

  it("kill -s delivers the named signal; kill without -s is SIGKILL; kill of a stopped container fails", async (t) => {
    const s = await session(t);
    if (!s) return;
    s.removeAfter(t, "signals");
    await s.detached(["--name", "signals", "--network", "none", IMAGE, ...patient("trap 'echo got-usr1' USR1; trap 'echo got-hup' HUP;")]);
    await trapsSet(s, "signals");
    await s.ok(["kill", "-s", "USR1", "signals"]);
    await s.ok(["kill", "-s", "SIGHUP", "signals"]);
    await waitFor("both traps in the log", async () => {
      const out = await s.ok(["logs", "signals"]);
      return out.includes("got-usr1") && out.includes("got-hup") ? out : undefined;
    });
    assert.match((await s.psRow("signals", false)) ?? "no row", /\bUp /);
    const bad = await s.berth(["kill", "-s", "SIGNOPE", "signals"]);
    assert.notEqual(bad.code, 0, describeResult(bad));
    assert.match(bad.stderr, /SIGNOPE/);
    await s.ok(["kill", "signals"]);
    assert.equal(await s.ok(["wait", "signals"]), "137\n");
    const again = await s.berth(["kill", "signals"]);
    assert.notEqual(again.code, 0, describeResult(again));
    assert.match(again.stderr, /not running/);
  });

  it("rm refuses a running container, rm -f kills and removes it; an unknown name is an error, but not to rm -f (docker's)", async (t) => {
    const s = await session(t);
    if (!s) return;
    s.removeAfter(t, "busy");
    const id = await s.detached(["--name", "busy", "--network", "none", IMAGE, "/bin/busybox", "sleep", "120"]);
    const { State } = await s.inspect("busy");
    const refused = await s.berth(["rm", "busy"]);
    assert.notEqual(refused.code, 0, describeResult(refused));
    assert.match(refused.stderr, /running/);
    assert.ok(await isAlive(State.Pid));
    assert.equal(await s.ok(["rm", "-f", id.slice(0, 12)]), `${id.slice(0, 12)}\n`);
    assert.equal(await isAlive(State.Pid), false, "rm -f left the process");
    const unknown = await s.berth(["rm", "busy"]);
    assert.notEqual(unknown.code, 0, describeResult(unknown));
    assert.match(unknown.stderr, /busy/);
    const again = await s.berth(["rm", "-f", "busy"]);
    assert.deepEqual([again.code, again.stdout, again.stderr], [0, "", ""], "rm -f of a container that is gone already");
    await s.assertNoContainers();
  });

  it("top lists the container's processes by host pid; stats --no-stream prints one reading with the limits", async (t) => {
    const s = await session(t);
    if (!s) return;
    s.removeAfter(t, "procs");
    await s.detached(["--name", "procs", "--network", "none", "-m", "64m", IMAGE, "/bin/sh", "-c", "/bin/busybox sleep 100 & /bin/busybox sleep 101; wait"]);
    const { State } = await s.inspect("procs");
    const top = await waitFor("three processes in top", async () => {
      const out = await s.ok(["top", "procs"]);
      return out.trim().split("\n").length === 4 ? out : undefined;
    });
    const [header, ...rows] = top.trim().split("\n");
    assert.match(header ?? "", /^UID\s+PID\s+PPID\s+C\s+STIME\s+TTY\s+TIME\s+CMD$/);
    assert.ok(rows.some((r) => r.split(/\s+/)[1] === String(State.Pid)), `State.Pid ${State.Pid} not in top:\n${top}`);
    assert.ok(rows.some((r) => r.endsWith("sleep 100")) && rows.some((r) => r.endsWith("sleep 101")), top);
    const started = Date.now();
    const stats = await s.ok(["stats", "--no-stream", "procs"], { timeoutMs: 20_000 });
    assert.ok(Date.now() - started < 10_000, "stats --no-stream took over 10 s");
    const lines = stats.trim().split("\n");
    assert.equal(lines.length, 2, stats);
    assert.match(lines[0] ?? "", /CONTAINER ID\s+NAME\s+CPU %\s+MEM USAGE \/ LIMIT\s+MEM %\s+NET I\/O\s+BLOCK I\/O\s+PIDS/);
    assert.match(lines[1] ?? "", /procs\s+\d+(\.\d+)?%\s+[\d.]+[KMG]?i?B \/ 64MiB\s+[\d.]+%.*\s3$/);
  });

  it("stats --no-stream of a container that is not running shows docker's zeros, not dashes", async (t) => {
    const s = await session(t);
    if (!s) return;
    s.removeAfter(t, "idle");
    await s.ok(["create", "--name", "idle", "--network", "none", IMAGE, "/bin/true"]);
    const [, row = ""] = (await s.ok(["stats", "--no-stream", "idle"], { timeoutMs: 20_000 })).trim().split("\n");
    assert.deepEqual(row.split(/\s{2,}/).slice(1), ["idle", "0.00%", "0B / 0B", "0.00%", "0B / 0B", "0B / 0B", "0"], row);
  });

  it("inspect: docker's shape (an array; Id, Name, State, Config, HostConfig, NetworkSettings); unknown names fail", async (t) => {
    const s = await session(t);
    if (!s) return;
    s.removeAfter(t, "shape", "shape2");
    const id = await s.detached(["--name", "shape", "--network", "none", "-l", "tier=web", "-e", "MODE=x", "--restart", "on-failure:3", "-m", "32m",
      "--pids-limit", "50", IMAGE, "/bin/busybox", "sleep", "120"]);
    await s.ok(["create", "--name", "shape2", "--network", "none", IMAGE, "/bin/sh"]);
    const both: unknown = JSON.parse(await s.ok(["inspect", "shape", "shape2"]));
    assert.ok(Array.isArray(both) && both.length === 2);
    const c = await s.inspect("shape");
    assert.equal(c.Id, id);
    assert.equal(c.Name, "/shape");
    assert.match(c.Created, /^\d{4}-\d\d-\d\dT/);
    assert.equal(c.Path, "/bin/busybox");
    assert.deepEqual(c.Args, ["sleep", "120"]);
    assert.equal(c.State.Status, "running");
    assert.equal(c.State.Running, true);
    assert.ok(c.State.Pid > 0);
    assert.equal(c.Config.Image, IMAGE);
    assert.deepEqual(c.Config.Cmd, ["/bin/busybox", "sleep", "120"]);
    assert.ok(c.Config.Env.includes("MODE=x"), JSON.stringify(c.Config.Env));
    assert.deepEqual(c.Config.Labels, { tier: "web" });
    assert.deepEqual(c.HostConfig.RestartPolicy, { Name: "on-failure", MaximumRetryCount: 3 });
    assert.equal(c.HostConfig.Memory, 32 * 1024 * 1024);
    assert.equal(c.HostConfig.PidsLimit, 50);
    assert.equal(c.HostConfig.NetworkMode, "none");
    assert.equal(typeof c.NetworkSettings, "object");
    assert.equal((await s.inspect("shape2")).State.Status, "created");
    const partial = await s.berth(["inspect", "shape", "no-such-thing"]);
    assert.notEqual(partial.code, 0, describeResult(partial));
    assert.match(partial.stderr, /no-such-thing/);
    const found: unknown = JSON.parse(partial.stdout || "null");
    assert.ok(Array.isArray(found) && found.length === 1, `docker prints the containers it found: ${describeResult(partial)}`);
  });
});
