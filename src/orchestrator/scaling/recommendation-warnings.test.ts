import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { PlannedService } from "../stack/stack-plan.js";
import { formatRecommendations } from "./format-recommendations.js";
import { currentLimits, type CurrentLimits, type ResourceEstimate, type ServiceRecommendation } from "./recommendation.js";
import { recommendationWarnings } from "./recommendation-warnings.js";
import { formatBytes, formatCores } from "./resource-units.js";

const MIB = 1024 * 1024;
const cpu: ResourceEstimate = { lowerBound: 0.2, target: 0.3, upperBound: 0.4, p95: 0.35, request: 0.3, limit: 0.5 };
const memory: ResourceEstimate = { lowerBound: 100 * MIB, target: 150 * MIB, upperBound: 200 * MIB, p95: 180 * MIB, request: 150 * MIB, limit: 230 * MIB };
const rec = (current: CurrentLimits, enough = true): ServiceRecommendation => ({
  project: "shop", service: "api", samples: enough ? 5000 : 3, historyMs: 3_600_000, confidence: 1 / 24, current,
  ...(enough ? { cpu, memory, verdict: "ok" as const, note: "limits fit use" } : { verdict: "not-enough-data" as const, note: "not enough data: 3 samples over 0m2s, needs 60 over 5m0s" }),
});

describe("recommendationWarnings", () => {
  const cases: { name: string; limits: CurrentLimits; enough?: boolean; expected: string[] }[] = [
    { name: "limits within the bounds", limits: { cpus: 1, memoryBytes: 512 * MIB }, expected: [] },
    { name: "no limits", limits: {}, expected: [] },
    { name: "not enough data", limits: { cpus: 64, memoryBytes: MIB }, enough: false, expected: [] },
    {
      name: "memory below the p95 of its peaks: OOM",
      limits: { cpus: 1, memoryBytes: 128 * MIB },
      expected: ["services.api: memory limit 128MiB is below the 95th percentile of its memory peaks (180MiB): replicas risk being OOM-killed; raise it to 230MiB (berth recommend)"],
    },
    {
      name: "CPU below the p95: throttling",
      limits: { cpus: 0.25 },
      expected: ["services.api: cpu limit 0.25 cores is below the 95th percentile of its CPU use (0.35 cores): replicas will be throttled; raise it to 0.5 cores (berth recommend)"],
    },
    {
      name: "both over 4× the upper bound",
      limits: { cpus: 2, memoryBytes: 2048 * MIB },
      expected: [
        "services.api: cpu limit 2 cores is over 4× the upper bound of its use (0.4 cores); 0.5 cores would do (berth recommend)",
        "services.api: memory limit 2GiB is over 4× the upper bound of its use (200MiB); 230MiB would do (berth recommend)",
      ],
    },
    { name: "exactly 4× is not over", limits: { cpus: 1.6, memoryBytes: 800 * MIB }, expected: [] },
    { name: "exactly the p95 is not under", limits: { cpus: 0.35, memoryBytes: 180 * MIB }, expected: [] },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(recommendationWarnings(c.limits, rec(c.limits, c.enough ?? true)), c.expected));
});

describe("formatRecommendations", () => {
  it("one row per service, `-` for what is unknown, and the JSON shape", () => {
    const out = formatRecommendations([rec({ cpus: 1, memoryBytes: 512 * MIB }), { ...rec({}, false), service: "db" }]);
    assert.deepEqual(out.header, ["SERVICE", "CPU REQUEST", "CPU LIMIT", "MEMORY REQUEST", "MEMORY LIMIT", "CURRENT", "NOTE"]);
    assert.deepEqual(out.rows, [
      ["api", "0.3", "0.5", "150MiB", "230MiB", "cpus 1, memory 512MiB", "limits fit use"],
      ["db", "-", "-", "-", "-", "-", "not enough data: 3 samples over 0m2s, needs 60 over 5m0s"],
    ]);
    assert.deepEqual(JSON.parse(JSON.stringify(out.json)), [
      {
        project: "shop", service: "api", verdict: "ok", note: "limits fit use", samples: 5000, historySeconds: 3600, confidenceDays: 1 / 24,
        cpu: { request: 0.3, limit: 0.5, lowerBound: 0.2, target: 0.3, upperBound: 0.4, p95: 0.35, current: 1 },
        memory: { request: 150 * MIB, limit: 230 * MIB, lowerBound: 100 * MIB, target: 150 * MIB, upperBound: 200 * MIB, p95: 180 * MIB, current: 512 * MIB },
      },
      {
        project: "shop", service: "db", verdict: "not-enough-data", note: "not enough data: 3 samples over 0m2s, needs 60 over 5m0s",
        samples: 3, historySeconds: 3600, confidenceDays: 1 / 24, cpu: null, memory: null,
      },
    ]);
  });
});

describe("units and current limits", () => {
  const bytes: [number, string][] = [[0, "0B"], [1023, "1023B"], [1536, "1.5KiB"], [160 * MIB, "160MiB"], [1.5 * 1024 * MIB, "1.5GiB"], [10.25 * MIB, "10.3MiB"], [NaN, "?"], [-1, "?"]];
  for (const [n, s] of bytes) it(`${n} bytes → ${s}`, () => assert.equal(formatBytes(n), s));
  const cores: [number, string][] = [[0.25, "0.25"], [1, "1"], [0.0125, "0.013"], [12, "12"], [Infinity, "?"]];
  for (const [n, s] of cores) it(`${n} cores → ${s}`, () => assert.equal(formatCores(n), s));

  it("currentLimits reads replica 1's cpus and memory from the plan", () => {
    const svc = (options: Record<string, unknown>): PlannedService => ({ replicaSpecs: [{ number: 1, name: "p-s-1", options }] }) as unknown as PlannedService;
    assert.deepEqual(currentLimits(svc({ cpus: 0.5, memory: 64 * MIB })), { cpus: 0.5, memoryBytes: 64 * MIB });
    assert.deepEqual(currentLimits(svc({})), {});
    assert.deepEqual(currentLimits({ replicaSpecs: [] } as unknown as PlannedService), {});
  });
});
