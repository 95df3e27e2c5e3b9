import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatGoFloat } from "./go-float.js";
import { bytesSize, humanSizeWithPrecision } from "./go-units.js";

// Expected strings are what Go 1.22's fmt.Sprintf and go-units print for the same float64.
describe("formatGoFloat", () => {
  const cases: readonly [number, "f" | "g", number, string][] = [
    [1.5, "g", 4, "1.5"],
    [1023.99, "g", 4, "1024"],
    [7.66748046875, "g", 4, "7.667"],
    [100, "g", 4, "100"],
    [1000, "g", 4, "1000"],
    [0, "g", 4, "0"],
    [12345, "g", 4, "1.234e+04"],
    [12355, "g", 4, "1.236e+04"],
    [999.5, "g", 3, "1e+03"],
    [12.25, "g", 3, "12.2"],
    [12.75, "g", 3, "12.8"],
    [12.35, "g", 3, "12.3"],
    [0.5, "g", 3, "0.5"],
    [0.0001234, "g", 3, "0.000123"],
    [0.00001234, "g", 3, "1.23e-05"],
    [1e21, "g", 3, "1e+21"],
    [123456789, "g", 0, "1e+08"],
    [0.125, "f", 2, "0.12"],
    [0.375, "f", 2, "0.38"],
    [1.005, "f", 2, "1.00"],
    [2.675, "f", 2, "2.67"],
    [100, "f", 2, "100.00"],
    [0, "f", 2, "0.00"],
    [199.999, "f", 2, "200.00"],
    [0.004, "f", 2, "0.00"],
    [0.006, "f", 2, "0.01"],
    [-0.001, "f", 2, "-0.00"],
    [-12.5, "f", 0, "-12"],
    [0.5, "f", 0, "0"],
    [1.5, "f", 0, "2"],
    [2.5, "f", 0, "2"],
    [5e-324, "f", 2, "0.00"],
    [1.7976931348623157e308, "g", 4, "1.798e+308"],
    [NaN, "f", 2, "NaN"],
    [Infinity, "g", 3, "+Inf"],
  ];
  for (const [x, verb, prec, want] of cases) it(`%.${prec}${verb} of ${x} → ${want}`, () => assert.equal(formatGoFloat(x, verb, prec), want));
  it("rejects a precision Go would not take from berth", () => assert.throws(() => formatGoFloat(1, "f", -1), RangeError));
});

describe("go-units", () => {
  const binary: readonly [number, string][] = [
    [0, "0B"], [1023, "1023B"], [1024, "1KiB"], [1536, "1.5KiB"], [39_710_720, "37.87MiB"], [67_108_864, "64MiB"],
    [8_230_000_000, "7.665GiB"], [1024 ** 3 - 1, "1024MiB"], [2 ** 63, "8EiB"],
  ];
  for (const [n, want] of binary) it(`BytesSize(${n}) = ${want}`, () => assert.equal(bytesSize(n), want));
  const decimal: readonly [number, string][] = [
    [0, "0B"], [999, "999B"], [1000, "1kB"], [1234, "1.23kB"], [12_250, "12.2kB"], [999_500, "1e+03kB"],
    [2_253_929, "2.25MB"], [610_628_987, "611MB"], [4_194_304, "4.19MB"], [1e30, "1e+06YB"],
  ];
  for (const [n, want] of decimal) it(`HumanSizeWithPrecision(${n}, 3) = ${want}`, () => assert.equal(humanSizeWithPrecision(n, 3), want));
});
