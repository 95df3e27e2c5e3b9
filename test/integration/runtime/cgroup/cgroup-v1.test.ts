import assert from "node:assert/strict";
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { describe, it, type TestContext } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import {
  cpuPercent, formatStatsRow, readCgroupStats, readOomKilled, CgroupNotFoundError, type Cgroup, type CgroupStats,
} from "../../../../src/runtime/cgroup/index.js";
import { tempDir } from "../../../support/temp-dir.js";
import { countBlockIo, makeV1Cgroup, v1CgroupsUnsupported } from "./cgroup-fixture.js";

const MiB = 1024 * 1024;
const PARENT = "berth-test-v1";

async function requireV1(t: TestContext): Promise<boolean> {
  const why = await v1CgroupsUnsupported();
  if (why === undefined) return true;
  t.skip(why);
  return false;
}

/** Read stats until `ok` holds, at most `timeoutMs`; returns the last reading. */
async function statsUntil(cg: Cgroup, ok: (s: CgroupStats) => boolean, timeoutMs: number, pid?: number): Promise<CgroupStats> {
  const deadline = Date.now() + timeoutMs;
  let s = await readCgroupStats(cg, pid === undefined ? {} : { pid });
  while (!ok(s) && Date.now() < deadline) {
    await sleep(100);
    s = await readCgroupStats(cg, pid === undefined ? {} : { pid });
  }
  return s;
}

// Real cgroups in this host's v1 hierarchies, with busybox processes in them.
describe("cgroup v1 readers on real cgroups (root)", () => {
  it("stats follow the processes: memory, pids, CPU, block I/O; limits as set", { timeout: 90_000 }, async (t) => {
    if (!(await requireV1(t))) return;
    await using tmp = await tempDir("berth-cg-");
    await using cgroup = await makeV1Cgroup(PARENT, { memoryBytes: 64 * MiB, pids: 50 });
    const { cg } = cgroup;

    const empty = await readCgroupStats(cg);
    assert.deepEqual([empty.pidsCurrent, empty.pidsLimit, empty.memoryLimit, empty.cpuUsageNs], [0, 50, 64 * MiB, 0]);

    const blockCounted = await countBlockIo(cg, tmp.path);
    if (!blockCounted) t.diagnostic(`block I/O not checked: ${tmp.path} is not on a disk that takes a throttle rule`);
    const ready = join(tmp.path, "ready");
    const file = join(tmp.path, "direct");
    // 20 MB held in a shell variable, two more processes, 4 MiB written past the page cache, then a busy loop.
    const p = cgroup.start([
      `x=$(/bin/busybox head -c 20000000 /dev/zero | /bin/busybox tr '\\0' a)`,
      "/bin/busybox sleep 60 & /bin/busybox sleep 60 &",
      `/bin/busybox dd if=/dev/zero of=${file} bs=1048576 count=4 oflag=direct 2>/dev/null`,
      `echo ok > ${ready}`,
      "i=0; while [ $i -lt 3000000 ]; do i=$((i+1)); done",
      "wait",
    ].join("\n"));
    const up = await statsUntil(cg, (s) => s.pidsCurrent >= 3 && s.memoryUsage > 15_000_000, 30_000, p.pid);
    assert.ok(up.pidsCurrent >= 3, `pids: ${up.pidsCurrent}`);
    assert.ok(up.memoryUsage > 15_000_000 && up.memoryUsage <= 64 * MiB, `memory: ${up.memoryUsage}`);
    for (let i = 0; i < 300 && !(await stat(ready).then(() => true, () => false)); i++) await sleep(100);
    const first = await readCgroupStats(cg, { pid: p.pid });
    await sleep(700);
    const second = await readCgroupStats(cg, { pid: p.pid });
    assert.ok(second.cpuUsageNs > first.cpuUsageNs && first.cpuUsageNs > 0, "CPU time grows");
    const percent = cpuPercent(first, second);
    assert.ok(percent > 5 && percent <= 100 * second.onlineCpus + 1, `CPU %: ${percent}`);
    if (blockCounted) assert.ok(second.blockWrite >= 4 * MiB, `block write: ${second.blockWrite}`);
    assert.ok(second.netRx >= 0 && second.netTx >= 0);

    const row = formatStatsRow({ id: "c".repeat(64), name: "/t", cpuPercent: percent, stats: second });
    t.diagnostic(row.join(" | "));
    assert.match(row[3]!, /^\d+(\.\d+)?MiB \/ 64MiB$/);
    assert.match(row[2]!, /^\d+\.\d\d%$/);
    assert.equal(await readOomKilled(cg), false, "nothing was OOM-killed");

    await cgroup.remove();
    await assert.rejects(readCgroupStats(cg), CgroupNotFoundError);
    assert.ok((await p.exited).signal === "SIGKILL");
  });

  it("OOM: a process over an 8 MiB limit is killed and readOomKilled says so; a calm one is not", { timeout: 90_000 }, async (t) => {
    if (!(await requireV1(t))) return;
    await using small = await makeV1Cgroup(PARENT, { memoryBytes: 8 * MiB });
    await using roomy = await makeV1Cgroup(PARENT, { memoryBytes: 64 * MiB });
    const hog = small.start(`x=$(/bin/busybox head -c 50000000 /dev/zero | /bin/busybox tr '\\0' a); /bin/busybox sleep 60`);
    const calm = roomy.start(`x=$(/bin/busybox head -c 1000000 /dev/zero | /bin/busybox tr '\\0' a)`);
    assert.deepEqual(await calm.exited, { code: 0, signal: null });
    let killed = false;
    for (let i = 0; i < 300 && !killed; i++) {
      killed = await readOomKilled(small.cg);
      if (!killed) await sleep(100);
    }
    assert.equal(killed, true, "the 8 MiB cgroup had an OOM kill");
    assert.equal(await readOomKilled(roomy.cg), false);
    const s = await readCgroupStats(small.cg);
    assert.ok(s.memoryUsage <= 8 * MiB, `usage stays under the limit: ${s.memoryUsage}`);
    await small.remove();
    await assert.rejects(readOomKilled(small.cg), CgroupNotFoundError, "after removal the answer is gone: read it before runc delete");
    await hog.exited;
  });
});
