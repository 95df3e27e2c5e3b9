import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { parseDuration } from "./duration.js";

describe("parseDuration", () => {
  const OK: readonly [string | number, number][] = [
    ["10s", 10_000], ["1m30s", 90_000], ["500ms", 500], ["1h5m30s20ms", 3_930_020], ["1h2m3s4ms5us", 3_723_004.005],
    ["10us", 0.01], ["10µs", 0.01], ["1000ns", 0.001], ["1.5h", 5_400_000], ["0", 0], [0, 0], [" 40s ", 40_000], ["10h", 36_000_000],
  ];
  for (const [input, ms] of OK) it(`${JSON.stringify(input)} → ${ms} ms`, () => assert.equal(parseDuration(input), ms));

  const BAD: readonly [string | number, RegExp][] = [
    ["10", /missing unit/], [30, /missing unit/], ["", /empty/], ["1s10h", /out of order/], ["1s1s", /out of order/],
    ["1kg", /unexpected/], ["-5s", /unexpected/], ["s", /unexpected/], ["1d", /unexpected/], ["9".repeat(400) + "h", /too long/],
  ];
  for (const [input, err] of BAD) it(`refuses ${JSON.stringify(input).slice(0, 20)}`, () => assert.throws(() => parseDuration(input), err));
});
