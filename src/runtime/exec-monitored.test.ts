import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { ConmonExec } from "./conmon-exec.js";
import type { ContainerRecord } from "./container-record.js";
import { execMonitored, KILL_GRACE_MS } from "./exec-monitored.js";
import { openOutputFifos } from "./output-fifos.js";
import type { RuntimeContext } from "./runtime-context.js";

// The monitor is faked: a conmon whose `runc exec -d` stalls, or whose command SIGKILL does not end
// (D state), is one whose promises never settle.
describe("execMonitored, killed", () => {
  let dir = "";
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "berth-exec-monitored-"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const ctx = {
    conmon: { binary: "/usr/bin/conmon" },
    dir: (id: string) => join(dir, id),
    runtimeOf: () => ({ binary: "/usr/bin/runc", opts: { stateDir: join(dir, "runc") } }),
  } as unknown as RuntimeContext;
  const record = { id: "c".repeat(64), image: "busybox" } as ContainerRecord;
  let n = 0;
  const files = () => ({ processFile: join(dir, "p.json"), runtimeLog: join(dir, "p.log"), tag: String(n++), remove: async () => undefined });
  const never = new Promise<never>(() => undefined);
  const hung = Symbol("hung");
  /** execMonitored's outcome, or `hung` when it has none after `ms`. */
  const settled = async (p: Promise<number>, ms: number): Promise<unknown> =>
    Promise.race([p.then((c) => c, (e: unknown) => e), new Promise((r) => setTimeout(() => r(hung), ms))]);

  it("gives up on a command that never starts, a short while after its timeout", async () => {
    const fifos = await openOutputFifos([join(dir, `o${n}`), join(dir, `e${n}`)]);
    const t0 = Date.now();
    const monitor: ConmonExec = { started: never, exited: never };
    const r = await settled(execMonitored(ctx, record, fifos, files(), { capture: { chunks: [], maxBytes: 100 }, timeoutMs: 50 }, () => monitor), 5_000);
    await fifos.close();
    assert.notEqual(r, hung, "execMonitored never settled");
    assert.ok(r instanceof Error && /did not end within/.test(r.message), String(r));
    assert.ok(Date.now() - t0 >= 50 + KILL_GRACE_MS - 20, "waited for the kill to work first");
  });

  it("gives up on a started command that SIGKILL does not end, once the signal aborts", async () => {
    const fifos = await openOutputFifos([join(dir, `o${n}`), join(dir, `e${n}`)]);
    // A real process gets the kill; the fake monitor never reports its end.
    const victim = spawn("sleep", ["30"], { stdio: "ignore" });
    const gone = new Promise((r) => victim.on("exit", (_c, s) => r(s)));
    const monitor: ConmonExec = { started: Promise.resolve({ pid: victim.pid! }), exited: never };
    const ac = new AbortController();
    const p = execMonitored(ctx, record, fifos, files(), { capture: { chunks: [], maxBytes: 100 }, signal: ac.signal }, () => monitor);
    setTimeout(() => ac.abort(), 100);
    const r = await settled(p, 5_000);
    await fifos.close();
    victim.kill("SIGKILL");
    assert.notEqual(r, hung, "execMonitored never settled");
    assert.ok(r instanceof Error && /did not end within/.test(r.message), String(r));
    assert.equal(await gone, "SIGKILL");
  });

  it("still returns the exit code of a command that ends when killed", async () => {
    const fifos = await openOutputFifos([join(dir, `o${n}`), join(dir, `e${n}`)]);
    let exit: (c: number) => void = () => undefined;
    const monitor: ConmonExec = { started: Promise.resolve({ pid: 999_999_999 }), exited: new Promise((r) => (exit = r)) };
    const p = execMonitored(ctx, record, fifos, files(), { capture: { chunks: [], maxBytes: 100 }, timeoutMs: 50 }, () => monitor);
    setTimeout(() => exit(137), 200);
    assert.equal(await settled(p, 5_000), 137);
    await fifos.close();
  });

  it("closes both ends of the pipes when the monitor cannot be started", async () => {
    const fifos = await openOutputFifos([join(dir, `o${n}`), join(dir, `e${n}`)]);
    const start = (): ConmonExec => {
      throw new Error("spawn failed");
    };
    await assert.rejects(execMonitored(ctx, record, fifos, files(), {}, start), /spawn failed/);
    assert.deepEqual([fifos.stdout.reader.destroyed, fifos.stderr.reader.destroyed], [true, true]);
  });
});
