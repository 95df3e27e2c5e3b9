import assert from "node:assert/strict";
import { test } from "node:test";
import { pidsFromInspect } from "./detached-sides.js";

const A = "a".repeat(64);
const B = "b".repeat(64);
const running = (Id: string, Pid: unknown): unknown => ({ Id, State: { Running: true, Pid } });

const cases: { name: string; inspected: unknown; ids: string[]; want?: number[]; expectErr?: RegExp }[] = [
  { name: "in the order asked, not the order listed", inspected: [running(B, 22), running(A, 11)], ids: [A, B], want: [11, 22] },
  { name: "not an array", inspected: { Id: A }, ids: [A], expectErr: /x: not a JSON array/ },
  { name: "a container missing", inspected: [running(A, 11)], ids: [A, B], expectErr: new RegExp(`x: container ${B} missing`) },
  { name: "not running", inspected: [{ Id: A, State: { Running: false, Pid: 0 } }], ids: [A], expectErr: /is not running with a pid/ },
  { name: "pid 0", inspected: [running(A, 0)], ids: [A], expectErr: /is not running with a pid/ },
  { name: "pid as a string", inspected: [running(A, "11")], ids: [A], expectErr: /is not running with a pid/ },
  { name: "fractional pid", inspected: [running(A, 1.5)], ids: [A], expectErr: /is not running with a pid/ },
  { name: "no State", inspected: [{ Id: A }], ids: [A], expectErr: /is not running with a pid \(State undefined\)/ },
  { name: "null entries ignored", inspected: [null, 7, running(A, 11)], ids: [A], want: [11] },
];

for (const c of cases) {
  test(`pidsFromInspect: ${c.name}`, () => {
    if (c.expectErr) assert.throws(() => pidsFromInspect(c.inspected, c.ids, "x"), c.expectErr);
    else assert.deepEqual(pidsFromInspect(c.inspected, c.ids, "x"), c.want);
  });
}
