import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CgroupNotFoundError } from "../../runtime/index.js";
import type { ObservedReplica } from "../stack/observe-stack.js";
import { observed } from "../stack/observed.test-support.js";
import type { ContainerUsage } from "./container-usage-reader.js";
import { UsageSampler } from "./usage-sampler.js";

// The real reader is exercised against real containers in test/integration/orchestrator/usage-sampler.test.ts;
// here a table of counters stands in for the cgroups, so the arithmetic and the bookkeeping are checked exactly.

const MIB = 1024 * 1024;

/** Counters by container id (an Error is thrown when read), a clock, and a sampler over them. */
function rig(opts: { concurrency?: number; maxContainers?: number } = {}) {
  const counters = new Map<string, ContainerUsage | Error>();
  const reads: string[] = [];
  let clock = 1_000_000;
  let inFlight = 0;
  let maxInFlight = 0;
  const sampler = new UsageSampler({
    now: () => clock,
    ...opts,
    read: async (id) => {
      reads.push(id);
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((r) => setImmediate(r));
      inFlight--;
      const c = counters.get(id);
      if (c === undefined) throw new CgroupNotFoundError(`/sys/fs/cgroup/memory/berth/${id}`);
      if (c instanceof Error) throw c;
      return c;
    },
  });
  return {
    sampler, counters, reads,
    tick: (ms: number) => void (clock += ms),
    get now() { return clock; },
    get maxInFlight() { return maxInFlight; },
  };
}

const replica = (service: string, number: number, over: { status?: "running" | "exited"; startedAt?: string } = {}): ObservedReplica => {
  const r = observed({ service, number, status: over.status ?? "running" });
  return over.startedAt === undefined ? r : { ...r, summary: { ...r.summary, state: { ...r.summary.state, startedAt: over.startedAt } } };
};
const idOf = (r: ObservedReplica): string => r.summary.record.id;

describe("UsageSampler", () => {
  it("the first read is a baseline; the next gives cores averaged over the interval, and the working set", async () => {
    const t = rig();
    const web = replica("web", 1);
    t.counters.set(idOf(web), { cpuNs: 5e9, memoryBytes: 10 * MIB });
    assert.deepEqual(await t.sampler.sample([web]), { samples: [], errors: [], skipped: 0 });
    t.tick(2000);
    t.counters.set(idOf(web), { cpuNs: 5e9 + 3e9, memoryBytes: 12 * MIB }); // 3 s of CPU in 2 s: 1.5 cores
    const { samples } = await t.sampler.sample([web]);
    assert.deepEqual(samples, [{ project: "p", service: "web", container: "p-web-1", time: t.now, cpu: 1.5, memoryBytes: 12 * MIB }]);
    t.tick(4000);
    t.counters.set(idOf(web), { cpuNs: 8e9, memoryBytes: 12 * MIB }); // idle
    assert.equal((await t.sampler.sample([web])).samples[0]?.cpu, 0);
  });

  it("a counter that went down, or a new start time, starts the container over (no sample)", async () => {
    const t = rig();
    const web = replica("web", 1, { startedAt: "2026-01-01T00:00:00Z" });
    t.counters.set(idOf(web), { cpuNs: 9e9, memoryBytes: MIB });
    await t.sampler.sample([web]);
    t.tick(1000);
    t.counters.set(idOf(web), { cpuNs: 1e9, memoryBytes: MIB });
    assert.deepEqual((await t.sampler.sample([web])).samples, []);
    t.tick(1000);
    t.counters.set(idOf(web), { cpuNs: 1.5e9, memoryBytes: MIB });
    assert.equal((await t.sampler.sample([web])).samples[0]?.cpu, 0.5);
    // Restarted between reads with a counter that happens to be higher: the start time tells.
    const again = replica("web", 1, { startedAt: "2026-01-01T00:05:00Z" });
    t.tick(1000);
    t.counters.set(idOf(web), { cpuNs: 4e9, memoryBytes: MIB });
    assert.deepEqual((await t.sampler.sample([again])).samples, []);
  });

  it("only running containers are read; gone ones are forgotten, failing ones reported, the rest sampled", async () => {
    const t = rig();
    const [a, b, c, d] = [replica("a", 1), replica("b", 1), replica("c", 1), replica("d", 1, { status: "exited" })];
    for (const r of [a, b, c, d]) t.counters.set(idOf(r), { cpuNs: 0, memoryBytes: MIB });
    await t.sampler.sample([a, b, c, d]);
    assert.equal(t.sampler.tracked, 3);
    assert.ok(!t.reads.includes(idOf(d)));
    t.tick(1000);
    t.counters.delete(idOf(b)); // its cgroup is gone
    t.counters.set(idOf(c), new Error("EIO reading memory.stat"));
    t.counters.set(idOf(a), { cpuNs: 2.5e8, memoryBytes: 2 * MIB });
    const out = await t.sampler.sample([a, b, c, d]);
    assert.deepEqual(out.samples.map((s) => [s.container, s.cpu]), [["p-a-1", 0.25]]);
    assert.deepEqual(out.errors, [{ container: "p-c-1", message: "EIO reading memory.stat" }]);
    assert.equal(t.sampler.tracked, 2); // a and c; b was dropped
    await t.sampler.sample([a]);
    assert.equal(t.sampler.tracked, 1); // c is no longer passed in
  });

  it("a read sooner than minIntervalMs gives nothing and keeps the older baseline", async () => {
    const t = rig();
    const web = replica("web", 1);
    t.counters.set(idOf(web), { cpuNs: 0, memoryBytes: MIB });
    await t.sampler.sample([web]);
    t.tick(100);
    t.counters.set(idOf(web), { cpuNs: 1e8, memoryBytes: MIB });
    assert.deepEqual((await t.sampler.sample([web])).samples, []);
    t.tick(900);
    t.counters.set(idOf(web), { cpuNs: 1e9, memoryBytes: MIB });
    assert.equal((await t.sampler.sample([web])).samples[0]?.cpu, 1);
  });

  it("hostile counters (NaN, negative) are an error for that container, not a sample", async () => {
    const t = rig();
    const web = replica("web", 1);
    t.counters.set(idOf(web), { cpuNs: NaN, memoryBytes: -1 });
    const out = await t.sampler.sample([web]);
    assert.deepEqual(out.samples, []);
    assert.match(out.errors[0]?.message ?? "", /counters out of range/);
  });

  it("bounded: at most `concurrency` reads at once and `maxContainers` per call, samples in the order given", async () => {
    const t = rig({ concurrency: 3, maxContainers: 40 });
    const many = Array.from({ length: 50 }, (_, i) => replica(`w${i}x`, 1));
    for (const r of many) t.counters.set(idOf(r), { cpuNs: 0, memoryBytes: MIB });
    assert.equal((await t.sampler.sample(many)).skipped, 10);
    t.tick(1000);
    for (const [i, r] of many.entries()) t.counters.set(idOf(r), { cpuNs: i * 1e7, memoryBytes: MIB });
    const out = await t.sampler.sample(many);
    assert.equal(t.maxInFlight, 3);
    assert.equal(out.samples.length, 40);
    assert.deepEqual(out.samples.map((s) => s.container), many.slice(0, 40).map((r) => r.summary.record.name));
    assert.equal(t.reads.length, 80);
  });

  it("an aborted signal stops reading further containers", async () => {
    const t = rig({ concurrency: 1 });
    const many = Array.from({ length: 5 }, (_, i) => replica(`w${i}x`, 1));
    for (const r of many) t.counters.set(idOf(r), { cpuNs: 0, memoryBytes: MIB });
    const ac = new AbortController();
    ac.abort();
    await t.sampler.sample(many, ac.signal);
    assert.equal(t.reads.length, 0);
  });
});
