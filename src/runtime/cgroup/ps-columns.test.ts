import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { isBerthError } from "../../oci/index.js";
import { readProcProcess, type ProcProcess } from "./proc-process.js";
import { DEFAULT_PS_COLUMNS, parsePsArgs, PS_COLUMNS, ttyName, type PsContext } from "./ps-columns.js";

// STIME is local time, as ps prints it; pin the zone so the expectations hold anywhere.
process.env.TZ = "UTC";

const PROC = fileURLToPath(new URL("../../../../src/runtime/cgroup/testdata/proc", import.meta.url));
const USERS = new Map([[0, "root"], [1000, "alice"], [997, "systemd-timesync"]]);
const ctx = (now = "2025-11-28T12:00:00Z"): PsContext => ({ uptime: 9586.51, bootTime: 1_764_316_800, now: new Date(now), userName: (u) => USERS.get(u) });
const proc = async (pid: number): Promise<ProcProcess> => {
  const p = await readProcProcess(pid, PROC);
  assert.ok(p);
  return p;
};
const row = async (pid: number, c = ctx()): Promise<string[]> => {
  const p = await proc(pid);
  return DEFAULT_PS_COLUMNS.map((col) => col.cell(p, c));
};

describe("ps -ef columns (docker top's default)", () => {
  it("titles", () => assert.deepEqual(DEFAULT_PS_COLUMNS.map((c) => c.title), ["UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"]));
  it("a shell on pts/3", async () => assert.deepEqual(await row(4242), ["alice", "4242", "4200", "0", "10:30", "pts/3", "00:00:01", "/bin/sh -c sleep 300"]));
  it("a long user name is cut as procps cuts it; control characters become '?'", async () => {
    assert.deepEqual(await row(4243), ["systemd+", "4243", "4242", "0", "10:38", "?", "00:00:00", "evil ?[2Jclear"]);
  });
  it("a zombie shows [comm] <defunct>", async () => assert.equal((await row(4244))[7], "[true] <defunct>"));
  it("an unknown uid is shown as a number", async () => {
    const p = { ...(await proc(4242)), euid: 4321 };
    assert.equal(DEFAULT_PS_COLUMNS[0]!.cell(p, ctx()), "4321");
  });
  it("STIME: MonDD on another day, the year in another year", async () => {
    assert.equal((await row(4242, ctx("2025-11-29T01:00:00Z")))[4], "Nov28");
    assert.equal((await row(4242, ctx("2026-01-02T00:00:00Z")))[4], "2025");
  });
  it("C is capped at 99, TIME shows days", async () => {
    const p = { ...(await proc(4242)), cpuTicks: (2 * 86400 + 3661) * 100 };
    assert.equal(PS_COLUMNS.c!.cell(p, ctx()), "99");
    assert.equal(PS_COLUMNS.time!.cell(p, ctx()), "2-01:01:01");
  });
  it("-o columns: etime, rss, vsz, comm, uid", async () => {
    const p = await proc(4242);
    assert.deepEqual(["etime", "rss", "vsz", "comm", "uid", "user", "args"].map((k) => PS_COLUMNS[k]!.cell(p, ctx())), ["09:46", "1400", "2260", "sh", "1000", "alice", "/bin/sh -c sleep 300"]);
    assert.equal(PS_COLUMNS.etime!.cell({ ...p, startTicks: 0 }, ctx()), "02:39:46");
  });
});

describe("ttyName", () => {
  const cases: readonly [number, string][] = [[0, "?"], [34816, "pts/0"], [(137 << 8) | 4, "pts/260"], [(4 << 8) | 1, "tty1"], [(4 << 8) | 64, "ttyS0"], [(5 << 8) | 1, "console"], [(7 << 8) | 1, "?"]];
  for (const [nr, want] of cases) it(`${nr} → ${want}`, () => assert.equal(ttyName(nr), want));
});

describe("parsePsArgs", () => {
  const titles = (args: string[]): string[] => parsePsArgs(args).map((c) => c.title);
  const ok: readonly [string[], string[]][] = [
    [[], ["UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"]],
    [["-ef"], ["UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"]],
    [["-o", "pid,comm"], ["PID", "COMMAND"]],
    [["-opid,comm"], ["PID", "COMMAND"]],
    [["-eo", "pid,user,args"], ["PID", "USER", "COMMAND"]],
    [["-e", "-o", "pid=ID,rss"], ["ID", "RSS"]],
  ];
  for (const [args, want] of ok) it(`${JSON.stringify(args)} → ${want.join(" ")}`, () => assert.deepEqual(titles(args), want));
  const bad: readonly string[][] = [["aux"], ["-o"], ["-o", "pid,bogus"], ["-o", ","], ["-o", "pid", "extra"], ["-o", "__proto__"], ["-o", "constructor"]];
  for (const args of bad) it(`rejects ${JSON.stringify(args)}`, () => assert.throws(() => parsePsArgs(args), (e) => isBerthError(e, "INVALID_ARGUMENT")));
});
