import assert from "node:assert/strict";
import { test } from "node:test";
import { sampleLines } from "./build-report.js";

test("sampleLines: each side's steps in round order, a side that timed nothing says so", () => {
  const lines = sampleLines([
    { name: "berth", isBerth: true, seconds: new Map([["cold", [4.1, 4.31]], ["warm", [0.42, 0.4]]]), problem: undefined },
    { name: "docker", isBerth: false, seconds: new Map(), problem: "not run: no dockerd" },
  ]);
  assert.deepEqual(lines, ["berth cold: 4.10 4.31 s", "berth warm: 0.420 0.400 s", "docker: no build timed"]);
});
