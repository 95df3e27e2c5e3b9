import assert from "node:assert/strict";
import { test } from "node:test";
import type { SideResult } from "./build-rounds.js";
import { buildRatio, buildRowCells, buildStatus, sideMedian, timeRow, type BuildRow } from "./build-table.js";

const row = (berth: number | undefined, docker: number | undefined, target: number | undefined): BuildRow =>
  ({ label: "warm rebuild", unit: "s", berth, docker, target });

const cases: { name: string; row: BuildRow; ratio: number | undefined; status: string; cells?: string[] }[] = [
  { name: "berth 10x faster, target 5x", row: row(0.5, 5, 5), ratio: 10, status: "met", cells: ["warm rebuild", "0.500", "5.00", "s", "10.00x", ">=5.00x", "met", "-"] },
  { name: "exactly on the target is met", row: row(1, 5, 5), ratio: 5, status: "met" },
  { name: "below the target", row: row(2, 5, 5), ratio: 2.5, status: "missed" },
  { name: "slower than docker against 1.0x", row: row(12, 10, 1), ratio: 10 / 12, status: "missed", cells: ["warm rebuild", "12.0", "10.0", "s", "0.83x", ">=1.00x", "missed", "-"] },
  { name: "no target", row: row(3, 30, undefined), ratio: 10, status: "-", cells: ["warm rebuild", "3.00", "30.0", "s", "10.00x", "none", "-", "-"] },
  { name: "berth missing", row: row(undefined, 5, 5), ratio: undefined, status: "n/a", cells: ["warm rebuild", "n/a", "5.00", "s", "-", ">=5.00x", "n/a", "-"] },
  { name: "docker missing", row: row(1, undefined, 1), ratio: undefined, status: "n/a" },
  { name: "a zero time is not a ratio", row: row(0, 5, 5), ratio: undefined, status: "n/a" },
  { name: "a negative value is not a ratio", row: row(-1, 5, 5), ratio: undefined, status: "n/a" },
];

for (const c of cases) {
  test(`build table row: ${c.name}`, () => {
    const r = buildRatio(c.row);
    if (c.ratio === undefined) assert.equal(r, undefined);
    else assert.ok(r !== undefined && Math.abs(r - c.ratio) < 1e-9, `ratio ${r}`);
    assert.equal(buildStatus(c.row), c.status);
    if (c.cells) assert.deepEqual(buildRowCells(c.row), c.cells);
  });
}

test("build table row: spread shown in percent, per side", () => {
  const cells = buildRowCells({ ...row(1, 2, 1), spread: { berth: 0.123, docker: undefined } });
  assert.equal(cells[7], "12%/-");
});

const side = (isBerth: boolean, seconds: Record<string, number[]>, problem?: string): SideResult =>
  ({ name: isBerth ? "berth" : "docker", isBerth, seconds: new Map(Object.entries(seconds)), problem });

test("sideMedian: the median and spread of one key", () => {
  assert.deepEqual(sideMedian(side(true, { warm: [3, 1, 2] }), "warm"), { value: 2, spread: 1 });
});

test("sideMedian: nothing for a failed side, a missing key or no side", () => {
  assert.equal(sideMedian(side(true, { warm: [1] }, "failed in round 2"), "warm"), undefined);
  assert.equal(sideMedian(side(true, { cold: [1] }), "warm"), undefined);
  assert.equal(sideMedian(side(true, { warm: [] }), "warm"), undefined);
  assert.equal(sideMedian(undefined, "warm"), undefined);
});

test("timeRow: berth's key against docker's key", () => {
  const results = [side(true, { "cold incl. base": [20, 22, 21], cold: [4, 5, 6] }), side(false, { cold: [40, 44, 42] })];
  const r = timeRow("cold incl. base", results, { berth: "cold incl. base", docker: "cold" }, undefined);
  assert.equal(r.berth, 21);
  assert.equal(r.docker, 42);
  assert.equal(buildRatio(r), 2);
  assert.equal(buildStatus(r), "-");
});

test("timeRow: a failed docker side makes the row n/a, not a ratio against a partial median", () => {
  const results = [side(true, { warm: [1, 1, 1] }), side(false, { warm: [9] }, "failed in round 2, warm: exit 1")];
  const r = timeRow("warm", results, { berth: "warm", docker: "warm" }, 5);
  assert.equal(r.docker, undefined);
  assert.equal(buildStatus(r), "n/a");
});
