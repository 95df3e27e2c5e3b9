import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isBerthError } from "../../oci/index.js";
import type { UsageSample } from "../scaling/index.js";
import { OrchestratorState } from "./orchestrator-state.js";
import { stateDir, withState } from "./state.test-support.js";

const sample = (service: string, n: number, time: number, over: Partial<UsageSample> = {}): UsageSample => ({
  project: "shop", service, container: `shop-${service}-${n}`, time, cpu: 0.25 * n, memoryBytes: n * 64 * 1024 * 1024, ...over,
});

describe("samples", () => {
  it("round-trip through a reopen, oldest first, by project and service since a time", async () => {
    const dir = await stateDir();
    try {
      const s = OrchestratorState.open(dir.path);
      const all = [sample("web", 1, 3000), sample("web", 2, 1000), sample("db", 1, 2000), sample("web", 1, 5000, { cpu: 1.75 }), { ...sample("web", 1, 4000), project: "blog" }];
      s.addSamples(all);
      s.close();
      const again = OrchestratorState.open(dir.path);
      assert.deepEqual(again.samples({ project: "shop", sinceMs: 0 }), [all[1], all[2], all[0], all[3]]);
      assert.deepEqual(again.samples({ project: "shop", service: "web", sinceMs: 3000 }), [all[0], all[3]]);
      assert.deepEqual(again.samples({ project: "blog", sinceMs: 0 }), [all[4]]);
      assert.deepEqual(again.samples({ project: "shop", service: "cache", sinceMs: 0 }), []);
      again.close();
    } finally {
      await dir.remove();
    }
  });

  it("pruneSamples deletes those taken before the time, and says how many", () =>
    withState((s) => {
      s.addSamples(Array.from({ length: 100 }, (_, i) => sample("web", 1 + (i % 3), i * 1000)));
      assert.equal(s.pruneSamples(40_000), 40);
      const left = s.samples({ project: "shop", sinceMs: 0 });
      assert.equal(left.length, 60);
      assert.equal(left[0]?.time, 40_000);
      assert.equal(s.pruneSamples(0), 0);
    }));

  it("stores a batch in one transaction: one bad sample and none is written", () =>
    withState((s) => {
      const bad: Partial<UsageSample>[] = [
        { cpu: Number.NaN }, { cpu: -0.1 }, { memoryBytes: Number.POSITIVE_INFINITY }, { memoryBytes: -1 },
        { time: Number.NaN }, { container: "" }, { service: "x".repeat(300) }, { memoryBytes: 2 ** 80 },
      ];
      for (const over of bad) {
        const batch = [sample("web", 1, 1000), sample("web", 2, 1000, over), sample("web", 3, 1000)];
        assert.throws(() => s.addSamples(batch), (e: unknown) => isBerthError(e, "INVALID_ARGUMENT") && /samples\[1\]/.test(e.message), JSON.stringify(over));
      }
      assert.deepEqual(s.samples({ project: "shop", sinceMs: 0 }), []);
      s.addSamples([]);
      s.addSamples([sample("web", 1, 1000.6, { memoryBytes: 1024.4 })]);
      assert.deepEqual(s.samples({ project: "shop", sinceMs: 0 }).map((x) => [x.time, x.memoryBytes]), [[1001, 1024]], "rounded to whole ms and bytes");
    }));

  it("takes a day of samples for 100 containers at one-minute steps in one call", () =>
    withState((s) => {
      const day = Array.from({ length: 144_000 }, (_, i) => sample(`svc${i % 10}`, i % 100, Math.floor(i / 100) * 60_000));
      const t0 = Date.now();
      s.addSamples(day);
      const ms = Date.now() - t0;
      assert.ok(ms < 10_000, `took ${ms} ms`);
      assert.equal(s.samples({ project: "shop", service: "svc3", sinceMs: 0 }).length, 14_400);
    }));
});
