import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isBerthError } from "../../oci/index.js";
import { decideReplicas, keepRecommendations, type AutoscaleInput, type AutoscaleReplica, type ReplicaRecommendation } from "./autoscale-decision.js";
import type { UsageSample } from "./usage-sample.js";

const NOW = 1_800_000_000_000;

/** A replica with three samples at `cpu` cores in the last 30 s (none when cpu is undefined). */
function replica(n: number, cpu: number | undefined, ready = true): AutoscaleReplica {
  const container = `shop-web-${n}`;
  const samples: UsageSample[] = cpu === undefined ? [] : [20_000, 10_000, 0].map((ago) => ({ project: "shop", service: "web", container, time: NOW - ago, cpu, memoryBytes: 1e8 }));
  return { container, ready, samples };
}
const all = (n: number, cpu: number | undefined): AutoscaleReplica[] => Array.from({ length: n }, (_, i) => replica(i + 1, cpu));

const base = (over: Partial<AutoscaleInput>): AutoscaleInput => ({
  current: 2, min: 1, max: 10, targetCpuPercent: 50, replicas: all(over.current ?? 2, 0.5), lastChange: NOW - 600_000, cooldownMs: 60_000, now: NOW, ...over,
});

describe("decideReplicas", () => {
  const cases: { name: string; input: Partial<AutoscaleInput>; replicas: number; reason: RegExp }[] = [
    { name: "at the target: no change", input: {}, replicas: 2, reason: /CPU 50% of a core \(target 50%\) over 2 replica\(s\): within 10%/ },
    { name: "up: 100% against 50% doubles", input: { replicas: all(2, 1) }, replicas: 4, reason: /scale up 2 → 4$/ },
    { name: "up is limited per step to max(2×, 4) and to max", input: { current: 5, replicas: all(5, 4) }, replicas: 10, reason: /scale up 5 → 10 \(of 40, limited to max 10\)/ },
    { name: "up is limited to 2× per step below max", input: { current: 5, max: 50, replicas: all(5, 4) }, replicas: 10, reason: /\(of 40, limited to 10 per step\)/ },
    { name: "from 1 replica up to 4 in one step (the HPA's minimum step)", input: { current: 1, replicas: all(1, 4) }, replicas: 4, reason: /scale up 1 → 4 \(of 8, limited to 4 per step\)/ },
    { name: "up is clamped to max", input: { max: 3, replicas: all(2, 1) }, replicas: 3, reason: /scale up 2 → 3/ },
    { name: "at max already", input: { max: 2, replicas: all(2, 1) }, replicas: 2, reason: /already at max 2/ },
    { name: "tolerance: 8% above holds", input: { replicas: all(2, 0.54) }, replicas: 2, reason: /within 10%/ },
    { name: "tolerance: 8% below holds", input: { replicas: all(2, 0.46) }, replicas: 2, reason: /within 10%/ },
    { name: "tolerance: 12% above scales", input: { replicas: all(2, 0.56) }, replicas: 3, reason: /scale up 2 → 3/ },
    { name: "the limit is 100%: 0.5 of a 0.5-core limit is 100%", input: { cpuLimitCores: 0.5 }, replicas: 4, reason: /CPU 100% of the limit/ },
    { name: "down once the cooldown has passed", input: { current: 4, replicas: all(4, 0.1) }, replicas: 1, reason: /scale down 4 → 1/ },
    { name: "no down during the cooldown", input: { current: 4, replicas: all(4, 0.1), lastChange: NOW - 10_000 }, replicas: 4, reason: /cooldown: no scale-down for 50 s more/ },
    { name: "down only to min", input: { current: 4, min: 2, replicas: all(4, 0.1) }, replicas: 2, reason: /scale down 4 → 2/ },
    {
      name: "down only to the highest recommendation of the cooldown window",
      input: { current: 4, replicas: all(4, 0.1), history: [{ time: NOW - 50_000, replicas: 3 }, { time: NOW - 70_000, replicas: 9 }] },
      replicas: 3, reason: /scale down 4 → 3/,
    },
    {
      name: "held when the window recommended more",
      input: { current: 4, replicas: all(4, 0.1), history: [{ time: NOW - 5_000, replicas: 4 }] },
      replicas: 4, reason: /held at 4: the last 60 s recommended up to 4/,
    },
    {
      name: "not-ready replicas count as idle when scaling up (HPA): 2 at 100% + 2 starting is on target",
      input: { current: 4, replicas: [replica(1, 1), replica(2, 1), replica(3, undefined, false), replica(4, 2, false)] },
      replicas: 4, reason: /2 more counted at 0%: no change/,
    },
    {
      name: "not-ready replicas as idle still scale up when the ready ones are hot enough",
      input: { current: 4, replicas: [replica(1, 2), replica(2, 2), replica(3, undefined, false), replica(4, undefined, false)] },
      replicas: 8, reason: /scale up 4 → 8/,
    },
    {
      name: "replicas without samples count at the target when scaling down",
      input: { current: 4, replicas: [replica(1, 0.05), replica(2, 0.05), replica(3, undefined), replica(4, undefined)] },
      replicas: 3, reason: /2 more counted at 50%: scale down 4 → 3/,
    },
    {
      name: "not-ready replicas count at the target when scaling down (a rollout does not shrink the service)",
      input: { current: 4, replicas: [replica(1, 0.05), replica(2, 0.05), replica(3, 0.01, false), replica(4, 0.01, false)] },
      replicas: 3, reason: /scale down 4 → 3/,
    },
    {
      name: "missing replicas (being replaced) count too",
      input: { current: 4, replicas: [replica(1, 0.05), replica(2, 0.05)] },
      replicas: 3, reason: /2 more counted at 50%/,
    },
    { name: "no samples yet: no change", input: { replicas: all(2, undefined) }, replicas: 2, reason: /no CPU samples from ready replicas yet/ },
    { name: "no replicas at all: no change", input: { replicas: [] }, replicas: 2, reason: /no CPU samples/ },
    { name: "0 replicas: autoscaling off (HPA)", input: { current: 0, replicas: [] }, replicas: 0, reason: /autoscaling is off/ },
    { name: "above max: back to max at once, cooldown or not", input: { current: 12, lastChange: NOW, replicas: all(12, 0.5) }, replicas: 10, reason: /above max 10/ },
    { name: "below min: up to min at once", input: { current: 1, min: 3, replicas: all(1, 0.5) }, replicas: 3, reason: /below min 3/ },
    {
      name: "hostile samples (NaN, negative, another container's) are ignored",
      input: {
        replicas: [
          { ...replica(1, 1), samples: [...replica(1, 1).samples, { ...replica(1, 1).samples[0]!, cpu: NaN }, { ...replica(1, 1).samples[0]!, cpu: -4 }] },
          { ...replica(2, 1), samples: [...replica(2, 1).samples, { ...replica(9, 100).samples[0]! }] },
        ],
      },
      replicas: 4, reason: /CPU 100%/,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const d = decideReplicas(base(c.input));
      assert.equal(d.replicas, c.replicas, d.reason);
      assert.match(d.reason, c.reason);
      assert.equal(d.recommendation.time, NOW);
    });
  }

  const bad: { name: string; input: Partial<AutoscaleInput>; field: RegExp }[] = [
    { name: "min above max", input: { min: 5, max: 3 }, field: /^autoscale max: expected an integer from 5/ },
    { name: "target 0%", input: { targetCpuPercent: 0 }, field: /^autoscale cpu target/ },
    { name: "NaN current", input: { current: NaN }, field: /^autoscale current replicas: expected an integer/ },
    { name: "fractional min", input: { min: 1.5 }, field: /^autoscale min/ },
    { name: "a negative limit", input: { cpuLimitCores: -1 }, field: /^cpu limit/ },
    { name: "a tolerance of 2", input: { tolerance: 2 }, field: /^autoscale tolerance/ },
  ];
  for (const c of bad) {
    it(`refuses ${c.name}`, () => assert.throws(() => decideReplicas(base(c.input)), (e) => isBerthError(e, "INVALID_ARGUMENT") && c.field.test(e.message)));
  }
});

describe("decideReplicas over time", () => {
  /** Run the decision every 5 s for `steps`, the service's total demand in cores from `demand(step)` split evenly; the counts: at first, then after each step. */
  function simulate(steps: number, demand: (step: number) => number, start = 2): number[] {
    let replicas = start;
    let lastChange: number | undefined;
    let history: ReplicaRecommendation[] = [];
    const seen: number[] = [start];
    for (let step = 0; step < steps; step++) {
      const now = NOW + step * 5_000;
      const perReplica = demand(step) / replicas;
      const reps = Array.from({ length: replicas }, (_, i) => ({
        container: `shop-web-${i + 1}`, ready: true,
        samples: [{ project: "shop", service: "web", container: `shop-web-${i + 1}`, time: now, cpu: perReplica, memoryBytes: 1e8 }],
      }));
      const d = decideReplicas({ current: replicas, min: 1, max: 10, targetCpuPercent: 50, replicas: reps, lastChange, cooldownMs: 60_000, now, history });
      history = keepRecommendations(history, d.recommendation, 60_000);
      if (d.replicas !== replicas) lastChange = now;
      replicas = d.replicas;
      seen.push(replicas);
    }
    return seen;
  }
  const changes = (seen: number[]): number => seen.filter((n, i) => i > 0 && n !== seen[i - 1]).length;

  it("load that flaps every 5 s (1.8 ↔ 0.4 cores) scales up once and then holds", () => {
    const seen = simulate(120, (step) => (step % 2 === 0 ? 1.8 : 0.4));
    assert.equal(changes(seen), 1, seen.join(","));
    assert.equal(seen.at(-1), 4);
  });

  it("load that falls for good scales down only after a full quiet cooldown window", () => {
    const seen = simulate(60, (step) => (step < 10 ? 1.8 : 0.4));
    assert.equal(seen[10], 4);
    // The cooldown after the change at 0 s ends at 60 s, but the last high recommendation (step 9, 45 s) holds the
    // count until it leaves the 60 s window: at 105 s, step 21.
    assert.deepEqual([seen[1 + 12], seen[1 + 20], seen[1 + 21]], [4, 4, 1]);
    assert.equal(seen.at(-1), 1, seen.join(","));
    assert.equal(changes(seen), 2, seen.join(","));
  });

  it("keepRecommendations keeps the stabilisation window only", () => {
    const kept = keepRecommendations([{ time: NOW - 90_000, replicas: 9 }, { time: NOW - 30_000, replicas: 3 }], { time: NOW, replicas: 2 }, 60_000);
    assert.deepEqual(kept, [{ time: NOW - 30_000, replicas: 3 }, { time: NOW, replicas: 2 }]);
  });
});
