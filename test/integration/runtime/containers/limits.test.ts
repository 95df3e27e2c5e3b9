// Resource limits as the kernel enforces them: memory (OOM reported), pids (fork bomb), CPU quota;
// and the cgroups that hold them, gone with the container.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { access, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { describeResult, run } from "../../../support/run.js";
import { IMAGE, useSession } from "./berth-session.js";
import { cgroupDir, cpuOf, cpuQuotaOf, pidsCurrent, pidsLimitHits, pidsOf } from "./cgroup-probe.js";
import { sampleFor, waitFor } from "../../../support/wait-for.js";

describe("berth run: resource limits (runc, conmon, cgroups)", () => {
  const session = useSession();

  it("-m 16m: a process that needs 100 MB is OOM-killed; exit 137 and State.OOMKilled true", async (t) => {
    const s = await session(t);
    if (!s) return;
    s.removeAfter(t, "oom", "fits");
    const r = await s.berth(["run", "--name", "oom", "--network", "none", "-m", "16m", IMAGE, "/bin/sh", "-c",
      "x=$(head -c 100000000 /dev/zero | tr '\\0' a); echo survived"]);
    assert.equal(r.code, 137, describeResult(r));
    assert.doesNotMatch(r.stdout, /survived/);
    const oom = await s.inspect("oom");
    assert.equal(oom.State.OOMKilled, true);
    assert.equal(oom.State.ExitCode, 137);
    assert.equal(oom.HostConfig.Memory, 16 * 1024 * 1024);
    // Not every 137 is an OOM kill: a container that fits and is killed by a user is not OOMKilled.
    await s.detached(["--name", "fits", "--network", "none", "-m", "16m", IMAGE, "/bin/busybox", "sleep", "60"]);
    await s.ok(["kill", "fits"]);
    assert.equal(await s.ok(["wait", "fits"]), "137\n");
    assert.equal((await s.inspect("fits")).State.OOMKilled, false);
  });

  it("--pids-limit 20 contains a fork bomb: pids.current never passes 20, the container lives, the host can fork", async (t) => {
    const s = await session(t);
    if (!s) return;
    s.removeAfter(t, "bomb");
    await s.detached(["--name", "bomb", "--network", "none", "--pids-limit", "20", IMAGE, "/bin/busybox", "sleep", "120"]);
    const { State } = await s.inspect("bomb");
    const before = await pidsOf(State.Pid);
    assert.equal(before.max, 20);
    // The bomb's own output goes nowhere: its orphans would otherwise hold exec's pipes open. timeout bounds the
    // parent; the orphans it leaves fill the cgroup until the container is removed below.
    const bomb = s.berth(["exec", "bomb", "/bin/sh", "-c", "timeout -s KILL 4 /bin/sh -c 'b() { b | b & }; b; wait' >/dev/null 2>&1; echo bomb-over"], { timeoutMs: 30_000 });
    const samples = await sampleFor(5_000, 50, () => pidsCurrent(before.dir));
    const host = await run("/bin/sh", ["-c", "echo host-forks"], { timeoutMs: 10_000 });
    assert.equal(host.stdout, "host-forks\n", "the host cannot start a process while the bomb runs");
    const ended = await bomb;
    assert.equal(ended.code, 0, describeResult(ended));
    assert.match(ended.stdout, /bomb-over/);
    const peak = Math.max(...samples);
    assert.ok(peak <= 20, `pids.current reached ${peak} under --pids-limit 20`);
    // The kernel's own count, not the samples (a loaded machine can keep the bomb between two of them).
    const hits = await pidsLimitHits(before.dir);
    assert.ok(hits.refused > 0, `the kernel refused no fork in the cgroup (pids.events max ${hits.refused}); the bomb did not run into the limit`);
    if (hits.peak !== undefined) assert.ok(hits.peak <= 20, `pids.peak ${hits.peak} under --pids-limit 20`);
    assert.match((await s.psRow("bomb", false)) ?? "no row", /Up /);
    assert.equal((await s.inspect("bomb")).State.Pid, State.Pid, "pid 1 of the container changed");
    await s.ok(["rm", "-f", "bomb"]);
    await waitFor("the bomb's cgroup to empty", () => pidsCurrent(before.dir).then((n) => n === 0, () => true), { timeoutMs: 15_000 });
  });

  it("rm -f leaves no cgroup behind, even when a process from outside the container holds it (runc 1.1 gives up on those, exit 0)", async (t) => {
    const s = await session(t);
    if (!s) return;
    s.removeAfter(t, "held");
    await s.detached(["--name", "held", "--network", "none", IMAGE, "/bin/busybox", "sleep", "120"]);
    const { State } = await s.inspect("held");
    const dirs = await Promise.all(["pids", "memory", "cpu"].map(async (c) => (await cgroupDir(State.Pid, c)).dir));
    // A host process outside the container's pid namespace: killing the container's init does not end it.
    const intruder = spawn("/bin/sleep", ["120"], { stdio: "ignore" });
    const intruderEnded = new Promise((resolve) => intruder.once("exit", resolve));
    t.after(() => void intruder.kill("SIGKILL"));
    for (const d of dirs) await writeFile(join(d, "cgroup.procs"), String(intruder.pid));
    await s.ok(["rm", "-f", "held"]);
    for (const d of dirs) await assert.rejects(access(d), { code: "ENOENT" }, `${d} is still there after rm -f`);
    await waitFor("the process left in the container's cgroup to be killed", () => Promise.race([intruderEnded.then(() => true), sleep(100).then(() => false)]));
    await s.assertNoContainers();
  });

  it("--cpus 0.5 throttles a busy loop to about half a CPU (cgroup usage and nr_throttled, stats CPU %)", async (t) => {
    const s = await session(t);
    if (!s) return;
    s.removeAfter(t, "spin");
    await s.detached(["--name", "spin", "--network", "none", "--cpus", "0.5", IMAGE, "/bin/sh", "-c", "while :; do :; done"]);
    const spin = await s.inspect("spin");
    assert.equal(spin.HostConfig.NanoCpus, 500_000_000);
    const c0 = await cpuOf(spin.State.Pid);
    const t0 = process.hrtime.bigint();
    await sleep(2_000);
    const c1 = await cpuOf(spin.State.Pid);
    const wallNs = Number(process.hrtime.bigint() - t0);
    const share = (c1.usageNs - c0.usageNs) / wallNs;
    assert.ok(share <= 0.6, `the loop used ${share.toFixed(2)} CPU under --cpus 0.5`);
    assert.ok(share >= 0.05, `the loop used only ${share.toFixed(2)} CPU: did it run?`);
    assert.equal(await cpuQuotaOf(spin.State.Pid), 0.5, "the cgroup's quota");
    // The kernel throttles only a loop that reaches the quota: on a machine busy with other work the loop may get less.
    if (share >= 0.4) assert.ok(c1.throttled > c0.throttled, `nr_throttled did not grow (${c0.throttled} → ${c1.throttled}) though the loop used ${share.toFixed(2)} CPU`);
    else t.diagnostic(`the loop got only ${share.toFixed(2)} CPU (a busy machine): its throttling is not shown, its quota is`);
    const stats = await s.ok(["stats", "--no-stream", "spin"]);
    const cpu = Number(/\s(\d+(?:\.\d+)?)%/.exec(stats.split("\n")[1] ?? "")?.[1]);
    assert.ok(cpu >= 5 && cpu <= 70, `stats CPU % ${cpu} for --cpus 0.5:\n${stats}`);
    await s.ok(["rm", "-f", "spin"]);
    await s.assertNoContainers();
  });
});
