import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { cpuPercent, parseSystemCpu, systemCpuNs, type CpuSample } from "./cpu-percent.js";
import { CgroupFormatError } from "./errors.js";

const PROC = fileURLToPath(new URL("../../../../src/runtime/cgroup/testdata/proc", import.meta.url));

describe("parseSystemCpu", () => {
  it("sums user..softirq of the cpu line (not steal), ticks → ns, counts cpuN lines", async () => {
    const got = parseSystemCpu(await readFile(`${PROC}/stat`, "utf8"));
    assert.deepEqual(got, { systemCpuNs: (630112 + 342050 + 852461 + 29182 + 16409) * 10_000_000, onlineCpus: 2 });
  });
  it("reads a procfs given as root, and this host's", async () => {
    assert.equal((await systemCpuNs(PROC)).onlineCpus, 2);
    const host = await systemCpuNs();
    assert.ok(host.systemCpuNs > 0 && host.onlineCpus >= 1);
  });
  const bad: readonly [string, string][] = [
    ["no cpu line", "cpu0 1 2 3 4 5 6 7\n"],
    ["a short cpu line", "cpu  1 2 3\n"],
    ["a non-number", "cpu  1 2 3 4 5 6 x\n"],
  ];
  for (const [name, text] of bad) it(`rejects ${name}`, () => assert.throws(() => parseSystemCpu(text), CgroupFormatError));
  it("rejects a missing /proc/stat", async () => assert.rejects(systemCpuNs("/nonexistent"), CgroupFormatError));
});

describe("cpuPercent (docker's formula)", () => {
  const s = (cpuUsageNs: number, systemCpuNs: number, onlineCpus = 4): CpuSample => ({ cpuUsageNs, systemCpuNs, onlineCpus });
  const cases: readonly [string, CpuSample, CpuSample, number][] = [
    ["one of four CPUs busy: 100%", s(0, 0), s(1e9, 4e9), 100],
    ["all four busy: 400%", s(0, 0), s(4e9, 4e9), 400],
    ["a quarter of one CPU", s(5e9, 1e12), s(5.25e9, 1e12 + 4e9), 25],
    ["the CPU count of the later sample counts", s(0, 0, 4), s(1e9, 2e9, 2), 100],
    ["no container time: 0", s(7, 0), s(7, 4e9), 0],
    ["no system time (same moment): 0", s(0, 4e9), s(1e9, 4e9), 0],
    ["a counter that went back (new container): 0", s(9e9, 0), s(1e9, 4e9), 0],
  ];
  for (const [name, prev, cur, want] of cases) it(name, () => assert.equal(cpuPercent(prev, cur), want));
});
