import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { formatGoDuration, parseGoDuration } from "./go-duration.js";

// Rows from Go's time.ParseDuration tests (src/time/time_test.go).
const VALID: readonly [string, number][] = [
  ["0", 0], ["5s", 5e9], ["30s", 30e9], ["1478s", 1478e9], ["-5s", -5e9], ["+5s", 5e9], ["-0", 0], ["+0", 0],
  ["5.0s", 5e9], ["5.6s", 5.6e9], ["5.s", 5e9], [".5s", 0.5e9], ["1.0s", 1e9], ["1.00s", 1e9], ["1.004s", 1.004e9],
  ["100.00100s", 100.001e9], ["10ns", 10], ["11us", 11e3], ["12µs", 12e3], ["12μs", 12e3], ["13ms", 13e6], ["14s", 14e9],
  ["15m", 15 * 60e9], ["16h", 16 * 3600e9], ["3h30m", 3.5 * 3600e9], ["10.5s4m", 4 * 60e9 + 10.5e9], ["-2m3.4s", -(2 * 60e9 + 3.4e9)],
  ["1h2m3s4ms5us6ns", 3600e9 + 2 * 60e9 + 3e9 + 4e6 + 5e3 + 6], ["39h9m14.425s", 39 * 3600e9 + 9 * 60e9 + 14.425e9],
];
const INVALID = ["", "3", "-", "s", ".", "-.", ".s", "+.s", "1d", "1.2.3s", "1s 2s", " 1s", "1sec", "x1s"];

describe("parseGoDuration", () => {
  for (const [text, ns] of VALID) {
    it(`${text} = ${ns} ns`, () => assert.equal(parseGoDuration(text), Math.round(ns)));
  }
  for (const text of INVALID) {
    it(`${JSON.stringify(text)} is not a duration`, () => assert.equal(parseGoDuration(text), undefined));
  }
});

// Rows from Go's Duration.String tests (src/time/time_test.go).
const FORMATTED: readonly [number, string][] = [
  [0, "0s"], [1, "1ns"], [1100, "1.1µs"], [2.2e6, "2.2ms"], [3.3e9, "3.3s"], [4 * 60e9 + 5e9, "4m5s"], [4 * 60e9 + 5.001e9, "4m5.001s"],
  [5 * 3600e9 + 6 * 60e9 + 7.001e9, "5h6m7.001s"], [8 * 60e9 + 1, "8m0.000000001s"], [-1, "-1ns"], [-4 * 60e9 - 5e9, "-4m5s"],
  [500e6, "500ms"], [30e9, "30s"], [3600e9, "1h0m0s"], [90e9, "1m30s"],
];

describe("formatGoDuration", () => {
  for (const [ns, text] of FORMATTED) {
    it(`${ns} ns = ${text}`, () => assert.equal(formatGoDuration(ns), text));
  }
  it("reads back what it writes", () => {
    for (const [ns] of FORMATTED) assert.equal(parseGoDuration(formatGoDuration(ns)), ns);
  });
});
