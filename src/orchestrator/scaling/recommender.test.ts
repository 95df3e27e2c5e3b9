import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isBerthError } from "../../oci/index.js";
import { DEFAULT_RIGHT_SIZE } from "../compose/x-berth-schema.js";
import type { ServiceRecommendation } from "./recommendation.js";
import { Recommender } from "./recommender.js";
import type { UsageSample } from "./usage-sample.js";

const MIB = 1024 * 1024;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2026, 0, 5);

/** Samples of `replicas` containers of shop/web every `stepMs` for `ms`, from T0, usage from `at(i, replica, time)`. */
function series(ms: number, stepMs: number, at: (i: number, replica: number, time: number) => { cpu: number; mem: number }, replicas = 1): UsageSample[] {
  const out: UsageSample[] = [];
  for (let i = 0, time = T0; time < T0 + ms; i++, time += stepMs) {
    for (let r = 1; r <= replicas; r++) {
      const { cpu, mem } = at(i, r, time);
      out.push({ project: "shop", service: "web", container: `shop-web-${r}`, time, cpu, memoryBytes: mem });
    }
  }
  return out;
}

/** A recommendation from `samples`, asked at the end of them. */
function recommend(samples: UsageSample[], opts: { window?: number; limits?: { cpus?: number; memoryBytes?: number }; recommender?: Recommender } = {}): ServiceRecommendation {
  const r = opts.recommender ?? new Recommender();
  r.add(samples);
  const now = Math.max(...samples.map((s) => s.time)) + 1000;
  return r.recommend("shop", "web", { now, rightSize: { ...DEFAULT_RIGHT_SIZE, windowMs: opts.window ?? DAY }, ...(opts.limits && { limits: opts.limits }) });
}

const between = (actual: number | undefined, lo: number, hi: number, what: string): void =>
  assert.ok(actual !== undefined && actual >= lo && actual <= hi, `${what}: ${actual} not in [${lo}, ${hi}]`);

describe("Recommender", () => {
  it("steady load: target = use × 1.15 (to the bucket), request rounded up, bounds around it", () => {
    const rec = recommend(series(2 * HOUR, 10_000, () => ({ cpu: 0.5, mem: 200 * MIB })));
    assert.equal(rec.verdict, "no-limit");
    assert.equal(rec.samples, 720);
    between(rec.cpu?.target, 0.5 * 1.15, 0.5 * 1.15 * 1.07, "cpu target");
    between(rec.cpu?.request, rec.cpu!.target, rec.cpu!.target + 0.001, "cpu request");
    between(rec.memory?.target, 200 * MIB * 1.15, 200 * MIB * 1.15 * 1.07, "memory target");
    assert.equal(rec.memory!.request % MIB, 0);
    // Two hours of history: confidence 1/12 day, so the upper bound is (1 + 12)× p95 and the lower about the median.
    between(rec.confidence, 1.99 / 24, 2.01 / 24, "confidence");
    between(rec.cpu?.upperBound, 0.5 * 1.15 * 12.9, 0.5 * 1.15 * 13 * 1.07, "upper bound");
    between(rec.cpu?.lowerBound, 0.5 * 1.15 * 0.97, rec.cpu!.target, "lower bound");
    between(rec.cpu?.p95, 0.5, 0.5 * 1.07, "p95");
  });

  it("spiky CPU: 1 sample in 20 at 2 cores leaves the p90 target at the base load, and lifts the limit (p99)", () => {
    const rec = recommend(series(4 * HOUR, 10_000, (i) => ({ cpu: i % 20 === 0 ? 2 : 0.1, mem: 64 * MIB })));
    between(rec.cpu?.target, 0.1 * 1.15, 0.1 * 1.15 * 1.07, "cpu target");
    between(rec.cpu?.limit, 2 * 1.15, 2 * 1.15 * 1.07, "cpu limit");
  });

  it("memory peaks: a short spike each hour counts (percentile of per-interval peaks, not of samples)", () => {
    const rec = recommend(series(6 * HOUR, 10_000, (i) => ({ cpu: 0.2, mem: i % 360 === 100 ? 1024 * MIB : 100 * MIB })));
    between(rec.memory?.target, 1024 * MIB * 1.15, 1024 * MIB * 1.15 * 1.07, "memory target");
    assert.ok(rec.memory!.limit >= rec.memory!.request);
  });

  it("memory peaks of several replicas: p90 of their peaks, limit above the highest", () => {
    const rec = recommend(series(10 * HOUR, 30_000, (_i, r) => ({ cpu: 0.1, mem: r * 100 * MIB }), 3));
    between(rec.memory?.target, 300 * MIB * 1.15, 300 * MIB * 1.15 * 1.07, "memory target");
    between(rec.memory?.p95, 300 * MIB, 300 * MIB * 1.07, "p95");
    assert.ok(rec.memory!.limit >= 300 * MIB * 1.15);
  });

  const scarce: { name: string; samples: UsageSample[]; note: RegExp }[] = [
    { name: "too few samples", samples: series(10 * 60_000, 20_000, () => ({ cpu: 1, mem: MIB })), note: /30 samples over 9m41s, needs 60 over 5m0s/ },
    { name: "too short a history (10 replicas for 2 minutes)", samples: series(2 * 60_000, 5_000, () => ({ cpu: 1, mem: MIB }), 10), note: /240 samples over 1m5\ds/ },
  ];
  for (const c of scarce) {
    it(`not enough data: ${c.name}`, () => {
      const rec = recommend(c.samples);
      assert.equal(rec.verdict, "not-enough-data");
      assert.equal(rec.cpu, undefined);
      assert.equal(rec.memory, undefined);
      assert.match(rec.note, c.note);
    });
  }

  it("no history at all: not enough data, 0 samples", () => {
    const rec = new Recommender().recommend("shop", "web", { now: T0 });
    assert.deepEqual([rec.verdict, rec.samples, rec.historyMs, rec.confidence], ["not-enough-data", 0, 0, 0]);
  });

  it("the window: load older than it is not counted", () => {
    const old = series(6 * HOUR, 10_000, () => ({ cpu: 4, mem: 2048 * MIB }));
    const recent = series(3 * HOUR, 10_000, () => ({ cpu: 0.2, mem: 50 * MIB })).map((s) => ({ ...s, time: s.time + 2 * DAY }));
    const rec = recommend([...old, ...recent]);
    between(rec.cpu?.target, 0.2 * 1.15, 0.2 * 1.15 * 1.07, "cpu target");
    between(rec.memory?.limit, 50 * MIB * 1.15, 50 * MIB * 1.15 * 1.07 + MIB, "memory limit");
    const wide = recommend([...old, ...recent], { window: 4 * DAY });
    assert.ok(wide.cpu!.limit > 4, String(wide.cpu?.limit));
  });

  it("decay: yesterday's samples count half as much as today's", () => {
    // 60 % of the samples (yesterday's) at 1 core: undecayed they hold the median; decayed they weigh 43 %.
    const day1 = series(DAY, 40_000, () => ({ cpu: 1, mem: 100 * MIB }));
    const day2 = series(DAY, 60_000, () => ({ cpu: 0.1, mem: 100 * MIB })).map((s) => ({ ...s, time: s.time + DAY }));
    const decayed = recommend([...day1, ...day2], { window: 3 * DAY });
    between(decayed.cpu?.lowerBound, 0.1 * 1.15 * 0.99, 0.1 * 1.15 * 1.07, "lower bound (median), half-life 1 day");
    const flat = recommend([...day1, ...day2], { window: 3 * DAY, recommender: new Recommender({ halfLifeMs: 1000 * DAY }) });
    between(flat.cpu?.lowerBound, 1 * 1.15 * 0.99, 1 * 1.15 * 1.07, "lower bound (median), no decay to speak of");
  });

  it("floors: an idle service gets 10 millicores and 16 MiB", () => {
    const rec = recommend(series(HOUR, 10_000, () => ({ cpu: 0, mem: 0 })));
    assert.deepEqual([rec.cpu?.request, rec.memory?.request], [0.01, 16 * MIB]);
  });

  it("hostile samples (NaN, negative, infinite, far in the future) are ignored", () => {
    const good = series(HOUR, 10_000, () => ({ cpu: 0.5, mem: 100 * MIB }));
    const bad = good.map((s, i) => ({ ...s, cpu: [NaN, -1, Infinity][i % 3]!, memoryBytes: -5 }));
    const r = new Recommender();
    r.add([...good, ...bad, { ...good[0]!, time: Date.now() + 365 * DAY }]); // a time that would prune all history if believed
    const rec = r.recommend("shop", "web", { now: T0 + HOUR });
    assert.equal(rec.samples, good.length);
    between(rec.cpu?.target, 0.5 * 1.15, 0.5 * 1.15 * 1.07, "cpu target");
  });

  it("verdicts against the current limits, with a week of history", () => {
    const week = series(8 * DAY, 60_000, () => ({ cpu: 0.5, mem: 200 * MIB }));
    const r = new Recommender();
    r.add(week);
    const now = T0 + 8 * DAY;
    const ask = (limits: { cpus?: number; memoryBytes?: number }): ServiceRecommendation =>
      r.recommend("shop", "web", { now, limits, rightSize: { ...DEFAULT_RIGHT_SIZE, windowMs: 8 * DAY } });
    between(ask({}).confidence, 7.9, 8, "confidence");
    assert.deepEqual([ask({ cpus: 1, memoryBytes: 512 * MIB }).verdict, ask({ cpus: 1, memoryBytes: 512 * MIB }).note], ["ok", "limits fit use"]);
    assert.deepEqual([ask({ cpus: 4, memoryBytes: 512 * MIB }).verdict, ask({ cpus: 4, memoryBytes: 512 * MIB }).note], ["over-provisioned", "cpu limit over 4× use"]);
    assert.deepEqual([ask({ cpus: 4, memoryBytes: 128 * MIB }).verdict, ask({ cpus: 4, memoryBytes: 128 * MIB }).note],
      ["under-provisioned", "cpu limit over 4× use; memory limit below use (OOM risk)"]);
    assert.deepEqual([ask({ cpus: 1 }).verdict, ask({ cpus: 1 }).note], ["no-limit", "no memory limit"]);
  });

  it("services are apart; forget drops one or a project's; old intervals are pruned", () => {
    const r = new Recommender({ retainMs: 2 * HOUR });
    r.add(series(HOUR, 10_000, () => ({ cpu: 1, mem: MIB })));
    r.add([{ project: "shop", service: "db", container: "shop-db-1", time: T0, cpu: 1, memoryBytes: MIB }]);
    r.add([{ project: "blog", service: "web", container: "blog-web-1", time: T0, cpu: 1, memoryBytes: MIB }]);
    assert.deepEqual(r.known(), [["blog", "web"], ["shop", "db"], ["shop", "web"]]);
    r.forget("shop", "db");
    assert.deepEqual(r.known(), [["blog", "web"], ["shop", "web"]]);
    r.forget("blog");
    assert.deepEqual(r.known(), [["shop", "web"]]);
    r.add([{ project: "shop", service: "web", container: "shop-web-1", time: T0 + 10 * HOUR, cpu: 1, memoryBytes: MIB }]);
    assert.equal(r.recommend("shop", "web", { now: T0 + 10 * HOUR }).samples, 1);
  });

  const badOptions: { name: string; run: () => unknown }[] = [
    { name: "cpu percentile 0", run: () => new Recommender().recommend("p", "s", { rightSize: { ...DEFAULT_RIGHT_SIZE, cpuPercentile: 0 } }) },
    { name: "memory percentile 101", run: () => new Recommender().recommend("p", "s", { rightSize: { ...DEFAULT_RIGHT_SIZE, memoryPercentile: 101 } }) },
    { name: "negative margin", run: () => new Recommender().recommend("p", "s", { rightSize: { ...DEFAULT_RIGHT_SIZE, marginPercent: -1 } }) },
    { name: "a window of NaN", run: () => new Recommender().recommend("p", "s", { rightSize: { ...DEFAULT_RIGHT_SIZE, windowMs: NaN } }) },
    { name: "half-life 0", run: () => new Recommender({ halfLifeMs: 0 }) },
    { name: "retention shorter than an interval", run: () => new Recommender({ intervalMs: HOUR, retainMs: 1 }) },
    { name: "min samples 0.5", run: () => new Recommender({ minSamples: 0.5 }) },
  ];
  for (const c of badOptions) {
    it(`refuses ${c.name} with a message naming the field`, () => assert.throws(c.run, (e) => isBerthError(e, "INVALID_ARGUMENT") && /expected/.test(e.message)));
  }
});
