import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isBerthError } from "../../oci/index.js";
import { CPU_SCALE, DecayingHistogram, MEMORY_SCALE, type BucketScale } from "./decaying-histogram.js";

const DAY = 86_400_000;
const near = (actual: number, expected: number, relative: number, what: string): void =>
  assert.ok(Math.abs(actual - expected) <= relative * expected, `${what}: ${actual} not within ${relative * 100}% of ${expected}`);

describe("DecayingHistogram buckets", () => {
  const h = new DecayingHistogram(CPU_SCALE, DAY);
  const cases: { value: number; bucket: number }[] = [
    { value: 0, bucket: 0 },
    { value: 0.00099, bucket: 0 },
    { value: 0.001, bucket: 1 },
    { value: 0.00205, bucket: 2 }, // bucket 2 starts at 0.001 × (1.05² − 1) / 0.05 = 0.00205
    { value: -5, bucket: 0 },
    { value: 1e9, bucket: h.buckets - 1 },
    { value: Infinity, bucket: h.buckets - 1 },
  ];
  for (const c of cases) it(`${c.value} → bucket ${c.bucket}`, () => assert.equal(h.bucketOf(c.value), c.bucket));

  it("every bucket start lands in its own bucket, and starts grow by the ratio", () => {
    for (let b = 1; b < h.buckets; b++) {
      assert.equal(h.bucketOf(h.bucketStart(b)), b, `start of ${b}`);
      assert.equal(h.bucketOf(h.bucketStart(b) * 0.999999), b - 1, `just below ${b}`);
    }
    const widths = [h.bucketStart(11) - h.bucketStart(10), h.bucketStart(101) - h.bucketStart(100)];
    near(widths[1]! / widths[0]!, 1.05 ** 90, 1e-9, "width ratio");
  });

  it("a few hundred buckets span 1 millicore to 1000 cores, and 1 MiB to 1 TB", () => {
    assert.ok(h.buckets > 150 && h.buckets < 300, String(h.buckets));
    assert.ok(h.bucketStart(h.buckets - 1) <= 1000 && h.bucketStart(h.buckets) > 1000);
    const m = new DecayingHistogram(MEMORY_SCALE, DAY);
    assert.ok(m.buckets > 150 && m.buckets < 300, String(m.buckets));
  });

  const bad: { name: string; scale: BucketScale; halfLife: number }[] = [
    { name: "ratio 1", scale: { first: 1, ratio: 1, maxValue: 10 }, halfLife: DAY },
    { name: "first 0", scale: { first: 0, ratio: 1.05, maxValue: 10 }, halfLife: DAY },
    { name: "NaN max", scale: { first: 1, ratio: 1.05, maxValue: NaN }, halfLife: DAY },
    { name: "half-life 0", scale: CPU_SCALE, halfLife: 0 },
  ];
  for (const c of bad) {
    it(`refuses ${c.name}`, () => assert.throws(() => new DecayingHistogram(c.scale, c.halfLife), (e) => isBerthError(e, "INVALID_ARGUMENT")));
  }
});

describe("DecayingHistogram percentiles", () => {
  // Values 0.01 … 1.00 cores, one each: the p-th percentile is about p / 100 cores (to the bucket's 5 %).
  const uniform = (): DecayingHistogram => {
    const h = new DecayingHistogram(CPU_SCALE, DAY);
    for (let i = 1; i <= 100; i++) h.add(i / 100, 0);
    return h;
  };
  const cases: { p: number; expected: number }[] = [
    { p: 0.5, expected: 0.5 },
    { p: 0.9, expected: 0.9 },
    { p: 0.95, expected: 0.95 },
    { p: 1, expected: 1 },
  ];
  for (const c of cases) {
    it(`p${c.p * 100} of 0.01…1.00 is ≈ ${c.expected} and never below it`, () => {
      const got = uniform().percentile(c.p);
      assert.ok(got >= c.expected && got <= c.expected * 1.07, `${got}`);
    });
  }

  it("an empty histogram answers 0, and ignores NaN, negative and infinite input", () => {
    const h = new DecayingHistogram(CPU_SCALE, DAY);
    h.add(NaN, 0);
    h.add(-1, 0);
    h.add(1, NaN);
    h.add(1, 0, 0);
    h.add(1, 0, -3);
    h.add(1, 0, Infinity);
    assert.equal(h.isEmpty, true);
    assert.equal(h.percentile(0.9), 0);
  });

  it("weights count: 9 × 0.1 at weight 1 and 1 × 2.0 at weight 9 put p60 at 2 cores", () => {
    const h = new DecayingHistogram(CPU_SCALE, DAY);
    for (let i = 0; i < 9; i++) h.add(0.1, 0);
    h.add(2, 0, 9);
    assert.ok(h.percentile(0.6) > 2 && h.percentile(0.6) < 2.1);
    assert.ok(h.percentile(0.4) < 0.12, String(h.percentile(0.4)));
  });
});

describe("DecayingHistogram decay", () => {
  const cases: { name: string; ageDays: number; p60Above: boolean }[] = [
    // 10 old samples at 1 core against 10 new at 0.1: the old ones weigh 2^-age each; p60 is read.
    { name: "same time: p60 is in the higher value's bucket", ageDays: 0, p60Above: true },
    { name: "a day older: the old half weighs 1/2, p60 falls to the new value", ageDays: 1, p60Above: false },
    { name: "a week older: weighs 1/128", ageDays: 7, p60Above: false },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const h = new DecayingHistogram(CPU_SCALE, DAY);
      for (let i = 0; i < 10; i++) h.add(1, 0);
      for (let i = 0; i < 10; i++) h.add(0.1, c.ageDays * DAY);
      assert.equal(h.percentile(0.6) > 0.5, c.p60Above, String(h.percentile(0.6)));
    });
  }

  it("a sample one half-life newer weighs twice as much", () => {
    const h = new DecayingHistogram(CPU_SCALE, DAY);
    h.add(0.1, 0);
    const before = h.totalWeight;
    h.add(0.1, DAY);
    near(h.totalWeight - before, 2 * before, 1e-12, "weight");
  });

  it("years of samples never overflow: the reference moves and the percentile holds", () => {
    const h = new DecayingHistogram(CPU_SCALE, 3_600_000);
    for (let t = 0; t < 3 * 365 * DAY; t += DAY / 2) h.add(t < 2 * 365 * DAY ? 4 : 0.5, t);
    assert.ok(Number.isFinite(h.totalWeight) && h.totalWeight > 0);
    assert.ok(h.percentile(0.99) < 0.6, String(h.percentile(0.99)));
  });

  it("merge adds another histogram's weights, decayed to this one's reference", () => {
    const a = new DecayingHistogram(CPU_SCALE, DAY);
    const b = new DecayingHistogram(CPU_SCALE, DAY);
    a.add(0.1, 0);
    b.add(2, DAY); // twice a's weight once merged
    a.merge(b);
    near(a.totalWeight, 3, 1e-12, "total");
    assert.ok(a.percentile(0.5) > 2);
    assert.throws(() => a.merge(new DecayingHistogram(MEMORY_SCALE, DAY)), RangeError);
    const empty = new DecayingHistogram(CPU_SCALE, DAY);
    empty.merge(b);
    near(empty.totalWeight, 1, 1e-12, "into empty");
  });
});
