import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { CgroupFormatError } from "./errors.js";
import { parsePidStat, parsePidStatus, readProcProcess } from "./proc-process.js";

const PROC = fileURLToPath(new URL("../../../../src/runtime/cgroup/testdata/proc", import.meta.url));

describe("readProcProcess", () => {
  it("reads stat, status and cmdline of a process", async () => {
    assert.deepEqual(await readProcProcess(4242, PROC), {
      pid: 4242, ppid: 4200, state: "S", comm: "sh", ttyNr: 34819, cpuTicks: 150, startTicks: 900_000,
      vszKiB: 2260, euid: 1000, rssKiB: 1400, args: ["/bin/sh", "-c", "sleep 300"],
    });
  });

  it("takes the name up to the last ')' so a process cannot forge its fields", async () => {
    const p = await readProcProcess(4243, PROC);
    assert.equal(p?.comm, "x) R 1 (y");
    assert.equal(p?.state, "S");
    assert.equal(p?.ppid, 4242);
    assert.equal(p?.euid, 997, "the effective uid, second on the Uid: line");
    assert.deepEqual(p?.args, ["evil", "\u001b[2Jclear"]);
  });

  it("reads a zombie: no command line, no RSS", async () => {
    const p = await readProcProcess(4244, PROC);
    assert.deepEqual([p?.state, p?.args, p?.rssKiB, p?.cpuTicks], ["Z", [], 0, 4]);
  });

  it("returns undefined for a process that has gone", async () => assert.equal(await readProcProcess(99_999, PROC), undefined));

  it("reads this process from the real /proc", async () => {
    const p = await readProcProcess(process.pid);
    assert.equal(p?.pid, process.pid);
    assert.equal(p?.ppid, process.ppid);
    assert.equal(p?.args[0], process.argv0);
  });
});

describe("parsePidStat / parsePidStatus", () => {
  const bad: readonly [string, string][] = [
    ["no parenthesis", "12 sh S 1 1 1 0"],
    ["too few fields", "12 (sh) S 1 1 1 0\n"],
    ["a word where a number belongs", `12 (sh) S x ${"0 ".repeat(30)}`],
    ["no pid", `(sh) S 1 ${"0 ".repeat(30)}`],
  ];
  for (const [name, text] of bad) it(`stat: rejects ${name}`, () => assert.throws(() => parsePidStat(text, "stat"), CgroupFormatError));
  it("status: rejects a file without Uid:", () => assert.throws(() => parsePidStatus("Name:\tsh\n", "status"), CgroupFormatError));
});
