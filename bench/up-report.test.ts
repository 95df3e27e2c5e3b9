import assert from "node:assert/strict";
import { test } from "node:test";
import { peerRatio } from "./harness/peer-table.js";
import { isComplete, peerValue, upRows } from "./up-report.js";

test("upRows: up against docker-compose at 1.0x, recovery against swarm at 2x (berth at most half)", () => {
  const rows = upRows({
    replicas: 10, killed: "catalog",
    up: [{ name: "berth", seconds: [10, 12, 11], problems: [] }, { name: "docker-compose", seconds: [20, 22, 21], problems: [] }],
    recovery: [{ name: "berth", seconds: [4, 5, 6], problems: [] }, { name: "docker swarm", seconds: [9, 9, 9], problems: [] }],
  });
  assert.deepEqual(rows.map((r) => [r.label, r.target, r.berth.value, r.peers[0]!.name, r.peers[0]!.value]), [
    ["up → all 10 healthy", 1, 11, "docker-compose", 21],
    ["kill -9 catalog → healthy", 2, 5, "docker swarm", 9],
  ]);
  assert.equal(peerRatio(rows[0]!)!.toFixed(2), "1.91");
  assert.equal(peerRatio(rows[1]!)!.toFixed(2), "1.80", "below 2: berth took more than half of swarm's time");
});

test("peerValue: the median of the rounds measured, failed rounds in the note; none measured is n/a", () => {
  assert.deepEqual(peerValue({ name: "berth", seconds: [3, 5], problems: ["round 2: timed out"] }, "berth"), { name: "berth", value: 4, spread: 0.5, note: "2 round(s) measured, 1 failed: round 2: timed out" });
  assert.deepEqual(peerValue({ name: "berth", seconds: [], problems: ["a", "b"] }, "berth"), { name: "berth", value: undefined, note: "0 round(s) measured, 2 failed: a; b" });
  assert.deepEqual(peerValue(undefined, "docker swarm"), { name: "docker swarm", value: undefined, note: "not run" });
  assert.equal(peerValue({ name: "b", seconds: [1, 3], problems: [] }, "b").spread, 1);
});

test("upRows and isComplete: parts not run have no row; a missing round is incomplete", () => {
  assert.deepEqual(upRows({ replicas: 10, killed: "cart", up: [], recovery: [] }), []);
  assert.equal(isComplete({ up: [{ name: "berth", seconds: [1], problems: [] }], recovery: [] }), true);
  assert.equal(isComplete({ up: [{ name: "berth", seconds: [], problems: [] }], recovery: [] }), false);
  assert.equal(isComplete({ up: [], recovery: [{ name: "docker swarm", seconds: [1], problems: ["x"] }] }), false);
});
