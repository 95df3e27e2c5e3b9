import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { OrchestratorState } from "./orchestrator-state.js";
import { stateDir } from "./state.test-support.js";

const WRITER = fileURLToPath(new URL("./state-writer.test-support.js", import.meta.url));

interface Run {
  readonly child: ChildProcess;
  /** Resolves when the writer has opened the database and waits for its stdin to end. */
  readonly ready: Promise<void>;
  readonly done: Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string }>;
}

function runWriter(args: readonly string[], onLine?: (line: string) => void): Run {
  const child = spawn(process.execPath, [WRITER, ...args], { stdio: ["pipe", "pipe", "pipe"] });
  let out = "";
  let partial = "";
  let isReady!: () => void;
  const ready = new Promise<void>((resolve) => { isReady = resolve; });
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
    out += chunk;
    const lines = (partial + chunk).split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines) {
      if (line === "ready") isReady();
      onLine?.(line);
    }
  });
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => { out += chunk; });
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string }>((resolve) =>
    child.on("close", (code, signal) => resolve({ code, signal, out })));
  return { child, ready, done };
}

/** Wait until every writer is ready (or one ended), then let them all go at once. */
async function startTogether(runs: readonly Run[]): Promise<void> {
  const ended = Promise.race(runs.map((r) => r.done.then((d) => { throw new Error(`writer ended before it was ready: ${d.out}`); })));
  await withTimeout(Promise.race([Promise.all(runs.map((r) => r.ready)), ended]), 60_000, "writers ready");
  for (const r of runs) r.child.stdin!.end();
}

/** Kill what is still running (by the pid we started), so a failed assertion leaves no process behind. */
const killAll = (runs: readonly Run[]): void => {
  for (const r of runs) if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill("SIGKILL");
};

const withTimeout = <T>(p: Promise<T>, ms: number, what: string): Promise<T> =>
  Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what}: not done after ${ms} ms`)), ms).unref())]);

describe("several processes on one state database", () => {
  it("two writers appending 500 events each at once onto a new file: 1000 events, ids strictly increasing, no SQLITE_BUSY", async (t) => {
    const dir = await stateDir();
    const runs: Run[] = [];
    try {
      // Both open the file that does not exist yet: creation, WAL switch and migration race too.
      runs.push(runWriter(["events", dir.path, "a", "500"]), runWriter(["events", dir.path, "b", "500"]));
      await startTogether(runs);
      const results = await withTimeout(Promise.all(runs.map((r) => r.done)), 60_000, "writers");
      for (const r of results) assert.equal(r.code, 0, r.out);
      const s = OrchestratorState.open(dir.path);
      try {
        const events = s.events({ limit: 5000 });
        assert.equal(events.length, 1000);
        for (let i = 1; i < events.length; i++) assert.ok(events[i]!.id > events[i - 1]!.id, `id ${events[i]!.id} after ${events[i - 1]!.id}`);
        for (const name of ["a", "b"]) {
          const mine = events.filter((e) => e.service === name).map((e) => e.detail);
          assert.deepEqual(mine, Array.from({ length: 500 }, (_, i) => `${name}:${i}`), `${name}'s events in its own order`);
        }
        assert.equal(s.lastEventId(), events.at(-1)!.id);
        const switches = events.filter((e, i) => i > 0 && e.service !== events[i - 1]!.service).length;
        t.diagnostic(`${switches} switches between the writers`);
        assert.ok(switches >= 2, `the writers took turns ${switches} times: they did not write at the same time`);
      } finally {
        s.close();
      }
    } finally {
      killAll(runs);
      await dir.remove();
    }
  });

  it("kill -9 of a writer mid-loop: the file opens, passes integrity_check and holds a prefix of what was written", async () => {
    const dir = await stateDir();
    const runs: Run[] = [];
    try {
      let committed = -1;
      let reached!: () => void;
      const enough = new Promise<void>((resolve) => { reached = resolve; });
      runs.push(runWriter(["batches", dir.path, "web", "1000000"], (line) => {
        const m = /^ok (\d+)$/.exec(line);
        if (m) committed = Number(m[1]);
        if (committed >= 300) reached();
      }));
      const run = runs[0]!;
      await startTogether(runs);
      await withTimeout(Promise.race([enough, run.done.then((r) => { throw new Error(`writer ended early: ${r.out}`); })]), 60_000, "300 writes");
      run.child.kill("SIGKILL");
      const end = await withTimeout(run.done, 10_000, "killed writer");
      assert.equal(end.signal, "SIGKILL");

      const raw = new Database(dir.path);
      try {
        assert.deepEqual(raw.pragma("integrity_check", { simple: false }), [{ integrity_check: "ok" }]);
      } finally {
        raw.close();
      }
      const s = OrchestratorState.open(dir.path);
      try {
        const details = s.events({ limit: 100_000 }).map((e) => e.detail);
        assert.ok(details.length >= committed + 1, `${details.length} events, ${committed + 1} reported committed`);
        assert.deepEqual(details, Array.from({ length: details.length }, (_, i) => `web:${i}`), "events are a gapless prefix");
        const samples = s.samples({ project: "shop", service: "web", sinceMs: 0 });
        const batches = samples.length / 10;
        assert.ok(Number.isInteger(batches), `${samples.length} samples: whole batches only`);
        assert.ok(batches === details.length || batches === details.length + 1, `${batches} batches, ${details.length} events`);
        samples.forEach((x, i) => {
          assert.equal(x.time, Math.floor(i / 10));
          assert.equal(x.memoryBytes, x.time * 10 + (i % 10));
        });
        s.appendEvent({ time: new Date().toISOString(), project: "shop", service: "web", action: "start", detail: "after the crash" });
        assert.equal(s.events({ afterId: s.lastEventId() - 1 })[0]?.detail, "after the crash");
      } finally {
        s.close();
      }
    } finally {
      killAll(runs);
      await dir.remove();
    }
  });

  it("a reader in another connection sees committed writes while a writer works", async () => {
    const dir = await stateDir();
    const runs: Run[] = [];
    try {
      OrchestratorState.open(dir.path).close();
      const reader = OrchestratorState.open(dir.path, { busyTimeoutMs: 2000 });
      try {
        runs.push(runWriter(["events", dir.path, "w", "400"]));
        await startTogether(runs);
        const seen: number[] = [];
        const deadline = Date.now() + 30_000;
        let result: { code: number | null } | undefined;
        void runs[0]!.done.then((r) => { result = r; });
        while (result === undefined && Date.now() < deadline) {
          seen.push(reader.events({ limit: 100_000 }).length);
          await new Promise((r) => setTimeout(r, 5));
        }
        assert.equal(result?.code, 0);
        for (let i = 1; i < seen.length; i++) assert.ok(seen[i]! >= seen[i - 1]!, "a reader never sees fewer events later");
        assert.equal(reader.events({ limit: 100_000 }).length, 400);
      } finally {
        reader.close();
      }
    } finally {
      killAll(runs);
      await dir.remove();
    }
  });
});
