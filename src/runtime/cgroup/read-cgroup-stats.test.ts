import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { isBerthError } from "../../oci/index.js";
import { CgroupFormatError, CgroupNotFoundError } from "./errors.js";
import type { Cgroup } from "./find-cgroup.js";
import { parseBlkioServiceBytes, parseIoStat, readCgroupStats, type CgroupStats } from "./read-cgroup-stats.js";

const TESTDATA = fileURLToPath(new URL("../../../../src/runtime/cgroup/testdata/", import.meta.url));
const PROC = join(TESTDATA, "proc");
const HOST_MEMORY = 8 * 1024 ** 3;
const v1 = (name: string, controllers = ["memory", "cpuacct", "pids", "blkio"]): Cgroup => ({
  version: 1, path: `/${name}`, dirs: Object.fromEntries(controllers.map((c) => [c, join(TESTDATA, name, c)])),
});
const v2 = (name: string): Cgroup => ({ version: 2, path: `/${name}`, dir: join(TESTDATA, name) });
const SYSTEM = { systemCpuNs: 18_702_140_000_000, onlineCpus: 2 };

type Counters = Omit<CgroupStats, "readAt">;

describe("readCgroupStats on fixture cgroups", () => {
  const cases: readonly { name: string; cg: Cgroup; pid?: number; want: Counters }[] = [
    {
      name: "v1: usage minus total_inactive_file, limit, pids, blkio of all devices, net of all but lo",
      cg: v1("v1"), pid: 4242,
      want: {
        cpuUsageNs: 10_014_922_504_923, memoryUsage: 58_896_384 - 19_185_664, memoryLimit: 67_108_864, pidsCurrent: 5, pidsLimit: 100,
        blockRead: 1_048_576 + 2048, blockWrite: 4_194_304, netRx: 610_628_987 + 1000, netTx: 2_253_929 + 24, ...SYSTEM,
      },
    },
    {
      name: "v1 unlimited: the host's memory is the limit; inactive above usage is not subtracted; no pids limit; no cpuacct mounted",
      cg: v1("v1-oom", ["memory", "pids", "blkio"]),
      want: { cpuUsageNs: 0, memoryUsage: 4096, memoryLimit: HOST_MEMORY, pidsCurrent: 0, blockRead: 0, blockWrite: 0, netRx: 0, netTx: 0, ...SYSTEM },
    },
    {
      name: "v2: usage_usec, memory.current minus inactive_file, memory.max, io.stat",
      cg: v2("v2"), pid: 4242,
      want: {
        cpuUsageNs: 2_500_000_000, memoryUsage: 31_522_816 - 20_971_520, memoryLimit: 134_217_728, pidsCurrent: 2, pidsLimit: 512,
        blockRead: 1_048_576 + 4096, blockWrite: 8192, netRx: 610_629_987, netTx: 2_253_953, ...SYSTEM,
      },
    },
    {
      name: "v2 memory.max and pids.max 'max'",
      cg: v2("v2-oom"),
      want: { cpuUsageNs: 100_000, memoryUsage: 0, memoryLimit: HOST_MEMORY, pidsCurrent: 0, blockRead: 0, blockWrite: 0, netRx: 0, netTx: 0, ...SYSTEM },
    },
    {
      name: "v2 with no controller enabled: only the core cpu.stat",
      cg: v2("v2-bare"), pid: 999_999,
      want: { cpuUsageNs: 1_234_000, memoryUsage: 0, memoryLimit: HOST_MEMORY, pidsCurrent: 0, blockRead: 0, blockWrite: 0, netRx: 0, netTx: 0, ...SYSTEM },
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const before = Date.now();
      const { readAt, ...got } = await readCgroupStats(c.cg, { procRoot: PROC, hostMemory: HOST_MEMORY, ...(c.pid === undefined ? {} : { pid: c.pid }) });
      assert.deepEqual(got, c.want);
      assert.ok(readAt.getTime() >= before && readAt.getTime() <= Date.now());
    });
  }

  const failures: readonly { name: string; cg: Cgroup; check: (e: unknown) => boolean }[] = [
    { name: "a v2 cgroup that is gone", cg: v2("no-such-cgroup"), check: (e) => e instanceof CgroupNotFoundError && isBerthError(e, "NOT_FOUND") && /before `runc delete`/.test(e.hint ?? "") },
    { name: "a v1 memory cgroup that is gone", cg: v1("no-such-cgroup"), check: (e) => e instanceof CgroupNotFoundError },
    { name: "v1 without the memory controller", cg: v1("v1", ["cpuacct"]), check: (e) => e instanceof CgroupFormatError && /memory controller/.test(e.message) },
    { name: "a v1 number with letters", cg: v1("v1-garbage", ["memory"]), check: (e) => e instanceof CgroupFormatError && /memory.usage_in_bytes/.test(e.message) && /"12abc"/.test(e.message) },
    { name: "a malformed io.stat", cg: v2("v2-garbage"), check: (e) => e instanceof CgroupFormatError && /io.stat/.test(e.message) },
    { name: "a directory that is not a cgroup", cg: v2("proc"), check: (e) => e instanceof CgroupFormatError && /cgroup.procs: missing/.test(e.message) },
  ];
  for (const c of failures) {
    it(`throws for ${c.name}`, () => assert.rejects(readCgroupStats(c.cg, { procRoot: PROC, hostMemory: HOST_MEMORY }), c.check));
  }

  it("throws for a bad pid instead of reading elsewhere in /proc", async () => {
    await assert.rejects(readCgroupStats(v2("v2"), { procRoot: PROC, pid: -1 }), (e) => isBerthError(e, "INVALID_ARGUMENT"));
  });

  it("refuses a FIFO or an oversized file where a cgroup file belongs, without hanging", { timeout: 10_000 }, async () => {
    const dir = await mkdtemp(join(tmpdir(), "berth-cg-"));
    try {
      await writeFile(join(dir, "cgroup.procs"), "");
      execFileSync("mkfifo", [join(dir, "cpu.stat")]);
      await assert.rejects(readCgroupStats(v2Dir(dir), { procRoot: PROC }), (e) => e instanceof CgroupFormatError && /not a regular file/.test(e.message));
      await rm(join(dir, "cpu.stat"));
      await writeFile(join(dir, "cpu.stat"), `usage_usec 1\n${"x 1\n".repeat(400_000)}`);
      await assert.rejects(readCgroupStats(v2Dir(dir), { procRoot: PROC }), (e) => e instanceof CgroupFormatError && /larger than/.test(e.message));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("uses os.totalmem() and /proc by default", async () => {
    const s = await readCgroupStats(v1("v1-oom", ["memory"]));
    assert.ok(s.memoryLimit > 0 && s.memoryLimit < 2 ** 53);
    assert.ok(s.systemCpuNs > 0 && s.onlineCpus > 0);
  });
});

const v2Dir = (dir: string): Cgroup => ({ version: 2, path: "/t", dir });

describe("block I/O parsers", () => {
  it("blkio: sums Read and Write of every device, ignores Sync/Async/Total", () => {
    assert.deepEqual(parseBlkioServiceBytes("f", "8:0 Read 10\n8:0 Write 5\n8:0 Sync 15\n8:16 Read 1\nTotal 16\n"), { read: 11, write: 5 });
    assert.deepEqual(parseBlkioServiceBytes("f", ""), { read: 0, write: 0 });
  });
  it("blkio: rejects a line that is not MAJ:MIN Op N", () => {
    assert.throws(() => parseBlkioServiceBytes("f", "sda Read 10\n"), CgroupFormatError);
    assert.throws(() => parseBlkioServiceBytes("f", "8:0 Read -1\n"), CgroupFormatError);
  });
  it("io.stat: sums rbytes and wbytes, ignores other keys", () => {
    assert.deepEqual(parseIoStat("f", "8:0 rbytes=1 wbytes=2 rios=3\n8:16 rbytes=10 wbytes=20 dbytes=7\n"), { read: 11, write: 22 });
  });
  it("io.stat: rejects a pair without = and a bad device", () => {
    assert.throws(() => parseIoStat("f", "8:0 rbytes\n"), CgroupFormatError);
    assert.throws(() => parseIoStat("f", "sda rbytes=1\n"), CgroupFormatError);
  });
});
