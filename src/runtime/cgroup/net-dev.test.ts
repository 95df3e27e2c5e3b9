import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { isBerthError } from "../../oci/index.js";
import { CgroupFormatError } from "./errors.js";
import { parseNetDev, readNetDev } from "./net-dev.js";

const PROC = fileURLToPath(new URL("../../../../src/runtime/cgroup/testdata/proc", import.meta.url));
const HEADER = "Inter-|   Receive |  Transmit\n face |bytes …|bytes …\n";

describe("net/dev", () => {
  it("sums every interface but lo, including one whose name touches its first counter", async () => {
    assert.deepEqual(await readNetDev(4242, PROC), { rxBytes: 610_628_987 + 1000, txBytes: 2_253_929 + 24 });
  });
  it("a namespace with only lo (--network none) has no traffic", () => {
    assert.deepEqual(parseNetDev(`${HEADER}    lo: 5 1 0 0 0 0 0 0 5 1 0 0 0 0 0 0\n`), { rxBytes: 0, txBytes: 0 });
  });
  it("a process that has gone reads as no traffic", async () => assert.deepEqual(await readNetDev(99_999, PROC), { rxBytes: 0, txBytes: 0 }));
  it("rejects a pid that is not a positive integer", async () => {
    for (const pid of [0, -1, 1.5, Number.NaN]) await assert.rejects(readNetDev(pid, PROC), (e) => isBerthError(e, "INVALID_ARGUMENT"));
  });
  const bad: readonly [string, string][] = [
    ["no colon", "eth0 1 2 3\n"],
    ["too few counters", "eth0: 1 2 3\n"],
    ["a word for a counter", "eth0: 1 2 3 4 5 6 7 8 x 1 2 3 4 5 6 7\n"],
  ];
  for (const [name, line] of bad) it(`rejects ${name}`, () => assert.throws(() => parseNetDev(HEADER + line), CgroupFormatError));
  it("reads this process's namespace", async () => {
    const t = await readNetDev(process.pid);
    assert.ok(t.rxBytes >= 0 && t.txBytes >= 0);
  });
});
