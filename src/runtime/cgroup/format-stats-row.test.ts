import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatStatsRow, STATS_COLUMNS, type StatsRowCounters } from "./format-stats-row.js";
import { NOT_RUNNING_STATS } from "./read-cgroup-stats.js";

const ID = "3f2a9c1b7d4e".padEnd(64, "0");
const counters: StatsRowCounters = {
  memoryUsage: 39_710_720, memoryLimit: 8_230_000_000, netRx: 610_629_987, netTx: 2_253_953, blockRead: 1_050_624, blockWrite: 4_194_304, pidsCurrent: 5,
};

describe("formatStatsRow", () => {
  it("has docker's columns", () => {
    assert.deepEqual([...STATS_COLUMNS], ["CONTAINER ID", "NAME", "CPU %", "MEM USAGE / LIMIT", "MEM %", "NET I/O", "BLOCK I/O", "PIDS"]);
  });
  it("formats as docker stats does", () => {
    assert.deepEqual(formatStatsRow({ id: ID, name: "/web", cpuPercent: 12.345, stats: counters }), [
      "3f2a9c1b7d4e", "web", "12.35%", "37.87MiB / 7.665GiB", "0.48%", "611MB / 2.25MB", "1.05MB / 4.19MB", "5",
    ]);
  });
  it("an idle container with nothing moved", () => {
    const idle = { ...counters, memoryUsage: 0, netRx: 0, netTx: 0, blockRead: 0, blockWrite: 0, pidsCurrent: 1 };
    assert.deepEqual(formatStatsRow({ id: "abc", name: "", cpuPercent: 0, stats: idle }), ["abc", "--", "0.00%", "0B / 7.665GiB", "0.00%", "0B / 0B", "0B / 0B", "1"]);
  });
  it("a limit of 0 gives 0% rather than Infinity", () => {
    assert.equal(formatStatsRow({ id: ID, name: "x", cpuPercent: 0, stats: { ...counters, memoryLimit: 0 } })[4], "0.00%");
  });
  it("a container that is not running shows docker's zeros", () => {
    assert.deepEqual(formatStatsRow({ id: ID, name: "x", cpuPercent: 0, stats: NOT_RUNNING_STATS }), ["3f2a9c1b7d4e", "x", "0.00%", "0B / 0B", "0.00%", "0B / 0B", "0B / 0B", "0"]);
  });
  it("a container whose reading failed shows docker's dashes", () => {
    assert.deepEqual(formatStatsRow({ id: ID, name: "x", cpuPercent: 0, stats: undefined }), ["3f2a9c1b7d4e", "x", "--", "-- / --", "--", "--", "--", "--"]);
  });
});
