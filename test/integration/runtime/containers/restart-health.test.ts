// Restart policies applied by conmon's exit hook with no berth process left, and health checks in ps and inspect.
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { isAlive } from "../../../support/process.js";
import { describeResult } from "../../../support/run.js";
import { containerFile, IMAGE, useSession, type BerthSession } from "./berth-session.js";
import type { InspectedContainer } from "./inspected-container.js";
import { waitFor } from "../../../support/wait-for.js";

/** Poll inspect until `settled` holds for it (bounded), and return that reading; a timeout names the last state seen. */
async function inspectUntil(s: BerthSession, ref: string, what: string, settled: (c: InspectedContainer) => boolean, timeoutMs = 20_000): Promise<InspectedContainer> {
  let last: InspectedContainer | undefined;
  try {
    return await waitFor(what, async () => {
      last = await s.inspect(ref);
      return settled(last) ? last : undefined;
    }, { timeoutMs, intervalMs: 500 });
  } catch (e) {
    const seen = last && { State: last.State, RestartCount: last.RestartCount };
    const hookLog = last && (await containerFile(s, last.Id, "exit-hook.log"));
    throw new Error(`${e instanceof Error ? e.message : String(e)}\nlast inspect: ${JSON.stringify(seen)}\nexit-hook.log: ${hookLog ?? "none"}`, { cause: e });
  }
}

describe("restart policies and health checks (conmon exit hook, health monitor)", () => {
  const session = useSession();

  it("--restart on-failure:2 (detached): two restarts, then it stays exited with RestartCount 2", async (t) => {
    const s = await session(t);
    if (!s) return;
    s.removeAfter(t, "flaky");
    await s.detached(["--name", "flaky", "--network", "none", "--restart", "on-failure:2", IMAGE, "/bin/sh", "-c", "echo attempt; exit 3"]);
    const done = await inspectUntil(s, "flaky", "flaky to end after two restarts", (c) => c.State.Status === "exited" && c.RestartCount === 2, 45_000);
    assert.equal(done.State.ExitCode, 3);
    await sleep(1_500);
    const later = await s.inspect("flaky");
    assert.deepEqual([later.State.Status, later.RestartCount], ["exited", 2], "it restarted a third time");
    assert.equal(await s.ok(["logs", "flaky"]), "attempt\nattempt\nattempt\n");
    assert.match((await s.psRow("flaky")) ?? "no row", /Exited \(3\)/);
  });

  it("--restart on-failure:2 in the foreground: berth exits with the first code, the restarts still happen", async (t) => {
    const s = await session(t);
    if (!s) return;
    s.removeAfter(t, "flaky-fg");
    const r = await s.berth(["run", "--name", "flaky-fg", "--network", "none", "--restart", "on-failure:2", IMAGE, "/bin/sh", "-c", "echo attempt; exit 3"], { timeoutMs: 20_000 });
    assert.equal(r.code, 3, describeResult(r));
    assert.match(r.stdout, /^attempt\n/);
    await inspectUntil(s, "flaky-fg", "flaky-fg to end after two restarts", (c) => c.State.Status === "exited" && c.RestartCount === 2, 45_000);
  });

  it("--restart always: back after its process is killed from the host; not after berth kill (a user stop)", async (t) => {
    const s = await session(t);
    if (!s) return;
    s.removeAfter(t, "phoenix");
    await s.detached(["--name", "phoenix", "--network", "none", "--restart", "always", IMAGE, "/bin/busybox", "sleep", "120"]);
    const first = await s.inspect("phoenix");
    process.kill(first.State.Pid, "SIGKILL");
    const back = await inspectUntil(s, "phoenix", "phoenix to come back", (c) => c.State.Running && c.State.Pid !== first.State.Pid && c.State.Pid > 0);
    assert.equal(back.RestartCount, 1);
    assert.ok(await isAlive(back.State.Pid));
    assert.match((await s.psRow("phoenix", false)) ?? "no row", /\bUp /);
    await s.ok(["kill", "phoenix"]);
    assert.equal(await s.ok(["wait", "phoenix"]), "137\n");
    await sleep(1_500);
    const stopped = await s.inspect("phoenix");
    assert.deepEqual([stopped.State.Status, stopped.RestartCount], ["exited", 1], "berth kill counted as a failure and restarted it");
  });

  it("berth kill of a container waiting to be restarted ends its restarts, as docker's (exit 0, it stays exited)", async (t) => {
    const s = await session(t);
    if (!s) return;
    s.removeAfter(t, "looper");
    // Fails at once, every time: the back-off grows, so most of its life is spent `restarting`.
    await s.detached(["--name", "looper", "--network", "none", "--restart", "always", IMAGE, "/bin/sh", "-c", "exit 1"]);
    await inspectUntil(s, "looper", "looper to wait for a restart", (c) => c.State.Restarting && c.RestartCount >= 1, 30_000);
    const killed = await s.berth(["kill", "looper"]);
    assert.equal(killed.code, 0, describeResult(killed));
    const after = await s.inspect("looper");
    assert.equal(after.State.Status, "exited");
    await sleep(3_000);
    const later = await s.inspect("looper");
    assert.deepEqual([later.State.Status, later.RestartCount], ["exited", after.RestartCount], "it restarted after the kill");
  });

  it("a user's start after failed restarts counts from 0 again, as docker's (its start resets the restart manager)", async (t) => {
    const s = await session(t);
    if (!s) return;
    s.removeAfter(t, "relapse");
    // Fails until /ok exists: copied in while it is stopped, the manual start's run stays up and shows the count.
    await s.detached(["--name", "relapse", "--network", "none", "--restart", "always", IMAGE, "/bin/sh", "-c", "[ -f /ok ] && exec /bin/busybox sleep 120; exit 1"]);
    await inspectUntil(s, "relapse", "relapse to fail three times", (c) => c.RestartCount >= 3, 30_000);
    await s.ok(["stop", "relapse"]);
    const dir = await mkdtemp(join(tmpdir(), "berth-relapse-"));
    t.after(() => rm(dir, { recursive: true, force: true }));
    await writeFile(join(dir, "ok"), "");
    await s.ok(["cp", join(dir, "ok"), "relapse:/ok"]);
    await s.ok(["start", "relapse"]);
    const started = await s.inspect("relapse");
    assert.deepEqual([started.State.Status, started.RestartCount], ["running", 0], "the manual start kept the count of the failed restarts");
  });

  it("a health check: starting → unhealthy after two failures → healthy once exec makes it pass; shown in ps and inspect", async (t) => {
    const s = await session(t);
    if (!s) return;
    s.removeAfter(t, "doc");
    await s.detached(["--name", "doc", "--network", "none", "--health-cmd", "test -f /tmp/ok", "--health-interval", "1s", "--health-retries", "2",
      "--health-start-period", "2s", IMAGE, "/bin/busybox", "sleep", "120"]);
    const starting = await s.inspect("doc");
    assert.equal(starting.State.Health?.Status, "starting", JSON.stringify(starting.State.Health));
    const sick = await inspectUntil(s, "doc", "doc to turn unhealthy", (c) => c.State.Health?.Status === "unhealthy", 15_000);
    assert.ok((sick.State.Health?.FailingStreak ?? 0) >= 2, JSON.stringify(sick.State.Health));
    assert.ok(sick.State.Health?.Log.some((l) => l.ExitCode === 1), JSON.stringify(sick.State.Health));
    assert.match((await s.psRow("doc", false)) ?? "no row", /\bUp .*\(unhealthy\)/);
    assert.equal(sick.State.Running, true, "an unhealthy container is not stopped without --health-on-failure");
    await s.ok(["exec", "doc", "/bin/busybox", "touch", "/tmp/ok"]);
    const well = await inspectUntil(s, "doc", "doc to turn healthy", (c) => c.State.Health?.Status === "healthy", 15_000);
    assert.equal(well.State.Health?.FailingStreak, 0);
    assert.match((await s.psRow("doc", false)) ?? "no row", /\bUp .*\(healthy\)/);
    assert.match(await s.ok(["ps", "--filter", "health=healthy"]), /\bdoc\n/);
  });

  it("after stop, health is unhealthy with its streak and log kept; start again is starting (or healthy), streak 0, log kept (docker 20.10)", async (t) => {
    const s = await session(t);
    if (!s) return;
    s.removeAfter(t, "stopped-well", "never-started");
    await s.detached(["--name", "stopped-well", "--network", "none", "--health-cmd", "true", "--health-interval", "1s", IMAGE, "/bin/busybox", "sleep", "120"]);
    await s.ok(["create", "--name", "never-started", "--network", "none", "--health-cmd", "true", IMAGE, "/bin/busybox", "true"]);
    const well = await inspectUntil(s, "stopped-well", "stopped-well to turn healthy", (c) => c.State.Health?.Status === "healthy", 15_000);
    await s.ok(["stop", "-t", "1", "stopped-well"]);
    const stopped = await s.inspect("stopped-well");
    assert.equal(stopped.State.Status, "exited");
    assert.equal(stopped.State.Health?.Status, "unhealthy", JSON.stringify(stopped.State.Health));
    assert.equal(stopped.State.Health?.FailingStreak, 0);
    assert.ok((stopped.State.Health?.Log.length ?? 0) >= (well.State.Health?.Log.length ?? 0), "the log stays");
    assert.match((await s.psRow("stopped-well", true)) ?? "no row", /\bExited \(\d+\) [^(]*$/, "ps shows no health for a stopped container");
    assert.match(await s.ok(["ps", "-a", "--filter", "health=unhealthy", "--format", "{{.Names}}"]), /^stopped-well$/m);
    assert.doesNotMatch(await s.ok(["ps", "-a", "--filter", "health=healthy", "--format", "{{.Names}}"]), /stopped-well/);
    // A container that never ran has no health yet, as docker's (no State.Health; ps counts it as health=none).
    assert.equal((await s.inspect("never-started")).State.Health, undefined);
    assert.match(await s.ok(["ps", "-a", "--filter", "health=none", "--format", "{{.Names}}"]), /^never-started$/m);

    await s.ok(["start", "stopped-well"]);
    const again = await s.inspect("stopped-well");
    // docker's "starting" until the first check; with a 1 s interval a slow inspect may already see that check pass.
    // Either way not the stopped run's "unhealthy": the status starts over.
    assert.ok(["starting", "healthy"].includes(again.State.Health?.Status ?? ""), JSON.stringify(again.State.Health));
    assert.equal(again.State.Health?.FailingStreak, 0);
    assert.ok((again.State.Health?.Log.length ?? 0) > 0, "docker keeps the log of the run before");
    await inspectUntil(s, "stopped-well", "stopped-well to turn healthy again", (c) => c.State.Health?.Status === "healthy", 15_000);
  });

  it("--health-* flags without --health-cmd tune the image's HEALTHCHECK: its command, the flags' interval and retries", async (t) => {
    const s = await session(t);
    if (!s) return;
    s.removeAfter(t, "tuned", "tuned-created");
    const ctx = join(s.fx.tmp.path, "healthcheck-image");
    await mkdir(ctx, { recursive: true });
    await writeFile(join(ctx, "Dockerfile"), `FROM ${IMAGE}\nHEALTHCHECK --interval=30s --timeout=3s --retries=2 CMD test -e /tmp/ok\n`);
    await s.ok(["build", "-q", "--network", "none", "-t", "localhost/checked:t1", ctx]);
    await s.ok(["create", "--name", "tuned-created", "--network", "none", "--health-retries", "5", "--health-on-failure", "kill", "localhost/checked:t1"]);
    await s.detached(["--name", "tuned", "--network", "none", "--health-interval", "1000000us", "--health-retries", "0", "localhost/checked:t1", "/bin/busybox", "sleep", "120"]);
    const made = await s.inspect("tuned");
    assert.deepEqual(made.Config.Healthcheck, { Test: ["CMD-SHELL", "test -e /tmp/ok"], Interval: 1e9, Timeout: 3e9, StartPeriod: 0, Retries: 2 });
    // Unhealthy within seconds: the flag's 1s interval runs the image's command, and the image's 2 retries count.
    const sick = await inspectUntil(s, "tuned", "tuned to turn unhealthy", (c) => c.State.Health?.Status === "unhealthy", 15_000);
    assert.ok(sick.State.Health?.Log.some((l) => l.ExitCode === 1), JSON.stringify(sick.State.Health));
    await s.ok(["exec", "tuned", "/bin/busybox", "touch", "/tmp/ok"]);
    await inspectUntil(s, "tuned", "tuned to turn healthy", (c) => c.State.Health?.Status === "healthy", 15_000);
  });

  it("a check that outlasts --health-timeout is logged as docker logs it: ExitCode -1, \"Health check exceeded timeout (500ms)\"", async (t) => {
    const s = await session(t);
    if (!s) return;
    s.removeAfter(t, "slowcheck");
    await s.detached(["--name", "slowcheck", "--network", "none", "--health-cmd", "sleep 5", "--health-timeout", "500ms", "--health-interval", "1s",
      IMAGE, "/bin/busybox", "sleep", "120"]);
    const timedOut = await inspectUntil(s, "slowcheck", "a timed-out check in the log", (c) => (c.State.Health?.Log.length ?? 0) > 0, 15_000);
    assert.deepEqual(timedOut.State.Health?.Log.map((l) => [l.ExitCode, l.Output])[0], [-1, "Health check exceeded timeout (500ms)"], JSON.stringify(timedOut.State.Health));
  });
});
