import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFile, stat } from "node:fs/promises";
import { join, posix } from "node:path";
import { after, before, describe, it, type TestContext } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import {
  CgroupNotFoundError, ContainerNotRunningError, findCgroup, listProcesses, parseCgroupMounts, parseOwnCgroups, readCgroupStats, readOomKilled,
  V1_CONTROLLERS, type Cgroup, type CgroupStats,
} from "../../../../src/runtime/cgroup/index.js";
import { isRoot, missingTools } from "../../../support/require-root.js";
import { run } from "../../../support/run.js";
import { tempDir, type TempDir } from "../../../support/temp-dir.js";
import { BUSYBOX, removeEmptyParents } from "./cgroup-fixture.js";
import { deleteContainer, makeBusyboxBundle, RUNC, runcState, runDetached } from "./runc-bundle.js";

const MiB = 1024 * 1024;
const PARENT = "berth-test";
const REL_PARENT = `berth-test-rel-${randomBytes(4).toString("hex")}`;

function unsupported(): string | undefined {
  if (!isRoot()) return `needs root (uid 0) to run containers, running as uid ${process.getuid?.() ?? "unknown"}`;
  const missing = missingTools([RUNC, BUSYBOX]);
  return missing.length > 0 ? `needs ${missing.join(", ")} (apt-get install runc busybox-static)` : undefined;
}

/** The cgroup dirs of `pid` as the kernel reports them in /proc/<pid>/cgroup: where runc really put it. */
async function kernelDirs(pid: number): Promise<Record<string, string>> {
  const mounts = parseCgroupMounts(await readFile("/proc/self/mountinfo", "utf8"));
  const lines = parseOwnCgroups(await readFile(`/proc/${pid}/cgroup`, "utf8"), `/proc/${pid}/cgroup`);
  const out: Record<string, string> = {};
  const unified = mounts.find((m) => m.version === 2 && m.mountPoint === "/sys/fs/cgroup");
  if (unified !== undefined) {
    out.unified = posix.join(unified.mountPoint, posix.relative(unified.root, lines.find((l) => l.hierarchy === 0)!.path));
    return out;
  }
  for (const c of V1_CONTROLLERS) {
    const m = mounts.find((x) => x.version === 1 && x.controllers.includes(c));
    const line = lines.find((l) => l.controllers.includes(c));
    if (m && line) out[c] = posix.join(m.mountPoint, posix.relative(m.root, line.path));
  }
  return out;
}
/** `ps -f` rows of the processes whose parent or self is `pid` (init and its children), by pid, CMD as one cell. */
async function psRows(pid: number): Promise<string[][]> {
  const r = await run("ps", ["-f", "--pid", String(pid), "--ppid", String(pid)], { timeoutMs: 30_000 });
  return r.stdout.trim().split("\n").slice(1).map((l) => {
    const f = l.trim().split(/\s+/);
    return [...f.slice(0, 7), f.slice(7).join(" ")];
  }).sort((a, b) => Number(a[1]) - Number(b[1]));
}

const foundDirs = (cg: Cgroup): Record<string, string> => (cg.version === 2 ? { unified: cg.dir } : { ...cg.dirs });

// Containers run by Debian's runc (cgroupfs driver) from a busybox bundle; berth's readers find and read their cgroups.
describe("cgroup readers on runc containers (root)", () => {
  let tmp: TempDir | undefined;
  const ids: string[] = [];
  const stateDir = (): string => join(tmp!.path, "runc");

  const start = async (t: TestContext, name: string, cgroupsPath: (id: string) => string, args: string, limits: { memoryBytes?: number; pids?: number }): Promise<{ id: string; pid: number; path: string } | undefined> => {
    const why = unsupported();
    if (why !== undefined) {
      t.skip(why);
      return undefined;
    }
    const id = randomBytes(32).toString("hex");
    const bundle = await makeBusyboxBundle(join(tmp!.path, name), { args: ["/bin/sh", "-c", args], cgroupsPath: cgroupsPath(id), ...limits });
    ids.push(id);
    await runDetached(stateDir(), bundle, id);
    return { id, pid: (await runcState(stateDir(), id)).pid, path: cgroupsPath(id) };
  };

  before(async () => {
    if (unsupported() === undefined) tmp = await tempDir("berth-cgr-");
  });
  after(async () => {
    if (tmp === undefined) return;
    for (const id of ids) await deleteContainer(stateDir(), id);
    await removeEmptyParents(PARENT);
    await removeEmptyParents(REL_PARENT);
    await tmp.remove();
  });

  it("absolute cgroupsPath: found where runc put it; stats, limits and top of the running container", { timeout: 120_000 }, async (t) => {
    const c = await start(t, "busy", (id) => `/${PARENT}/${id}`, "x=$(head -c 20000000 /dev/zero | tr '\\0' a); sleep 300 & sleep 301 & wait", { memoryBytes: 64 * MiB, pids: 64 });
    if (!c) return;
    const cg = await findCgroup(c.path);
    assert.deepEqual(foundDirs(cg), await kernelDirs(c.pid));

    const deadline = Date.now() + 30_000;
    let s: CgroupStats = await readCgroupStats(cg, { pid: c.pid });
    // Three processes once the pipeline (head, tr, a subshell) is done: sh and the two sleeps.
    while (!(s.memoryUsage > 15_000_000 && s.pidsCurrent === 3) && Date.now() < deadline) {
      await sleep(100);
      s = await readCgroupStats(cg, { pid: c.pid });
    }
    assert.ok(s.memoryUsage > 15_000_000 && s.memoryUsage <= 64 * MiB, `memory: ${s.memoryUsage}`);
    assert.deepEqual([s.pidsCurrent, s.pidsLimit, s.memoryLimit], [3, 64, 64 * MiB]);
    assert.deepEqual([s.netRx, s.netTx], [0, 0], "the container's own network namespace has only lo");
    assert.ok(s.cpuUsageNs > 0);
    assert.equal(await readOomKilled(cg), false);

    const hasPs = missingTools(["ps"]).length === 0;
    const psBefore = hasPs ? await psRows(c.pid) : [];
    const top = await listProcesses(RUNC, stateDir(), c.id);
    assert.deepEqual(top.titles, ["UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"]);
    assert.deepEqual(top.processes.map((r) => r[7]).sort(), ["/bin/sh -c x=$(head -c 20000000 /dev/zero | tr '\\0' a); sleep 300 & sleep 301 & wait", "sleep 300", "sleep 301"]);
    assert.equal(top.processes[0]![1], String(c.pid), "rows by pid, init first");
    if (hasPs) {
      // procps on the host is what docker top runs: the same rows. C (CPU over the process's life) falls
      // while a young idle process ages, so it is checked between a ps run before and one after.
      const psAfter = await psRows(c.pid);
      assert.equal(psAfter.length, top.processes.length);
      psAfter.forEach((want, i) => {
        const got = top.processes[i]!;
        // A process that had not started yet when ps first ran has only the later row.
        const cs = [psBefore.find((r) => r[1] === want[1])?.[3], want[3]].filter((v): v is string => v !== undefined).map(Number);
        assert.deepEqual([...got.slice(0, 3), ...got.slice(4)], [...want.slice(0, 3), ...want.slice(4)], `ps: ${want.join(" ")}`);
        assert.ok(Number(got[3]) >= Math.min(...cs) - 1 && Number(got[3]) <= Math.max(...cs) + 1, `C: ${got[3]} vs ps ${cs.join(", ")}`);
      });
    } else {
      t.diagnostic("procps ps not installed: rows not compared with ps -f");
    }
    const slim = await listProcesses(RUNC, stateDir(), c.id, { psArgs: ["-o", "pid,comm"] });
    assert.deepEqual(slim.titles, ["PID", "COMMAND"]);
    assert.deepEqual(slim.processes.map((r) => r[1]).sort(), ["sh", "sleep", "sleep"]);

    await deleteContainer(stateDir(), c.id);
    await assert.rejects(readCgroupStats(cg), CgroupNotFoundError);
    await assert.rejects(listProcesses(RUNC, stateDir(), c.id), ContainerNotRunningError);
  });

  it("OOM: a container over its 8 MiB limit reads as OOM-killed until runc delete removes the cgroup", { timeout: 120_000 }, async (t) => {
    const c = await start(t, "hog", (id) => `/${PARENT}/${id}`, "x=$(head -c 50000000 /dev/zero | tr '\\0' a); sleep 300", { memoryBytes: 8 * MiB });
    if (!c) return;
    const cg = await findCgroup(c.path);
    let killed = false;
    for (let i = 0; i < 300 && !killed; i++) {
      killed = await readOomKilled(cg);
      if (!killed) await sleep(100);
    }
    assert.equal(killed, true);
    assert.equal((await readCgroupStats(cg)).memoryLimit, 8 * MiB);
    await deleteContainer(stateDir(), c.id);
    await assert.rejects(readOomKilled(cg), CgroupNotFoundError);
  });

  it("relative cgroupsPath: runc puts it under this process's own cgroup of each hierarchy, and findCgroup looks there", { timeout: 120_000 }, async (t) => {
    const c = await start(t, "rel", (id) => `${REL_PARENT}/${id}`, "sleep 300", {});
    if (!c) return;
    const cg = await findCgroup(c.path);
    assert.deepEqual(foundDirs(cg), await kernelDirs(c.pid));
    const ownMemory = parseOwnCgroups(await readFile("/proc/self/cgroup", "utf8")).find((l) => l.controllers.includes("memory"))?.path;
    if (cg.version === 1 && ownMemory !== undefined && ownMemory !== "/") {
      assert.ok(cg.dirs.memory?.includes(`${ownMemory}/${REL_PARENT}/`), `memory dir ${cg.dirs.memory} is under ${ownMemory}`);
    }
    for (const dir of Object.values(foundDirs(cg))) assert.ok((await stat(dir)).isDirectory(), dir);
    assert.equal((await readCgroupStats(cg, { pid: c.pid })).pidsCurrent, cg.version === 1 && cg.dirs.pids === undefined ? 0 : 1);
    await deleteContainer(stateDir(), c.id);
  });
});
