import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { healthOfRun, type HealthStatus } from "./health-status.js";

const LOG = [{ Start: "s", End: "e", ExitCode: 1, Output: "no" }];
const stored = (status: HealthStatus["status"], runId: string, failingStreak = 0): HealthStatus => ({ status, failingStreak, log: LOG, runId });

describe("healthOfRun: docker 20.10's State.Health", () => {
  const cases: readonly { name: string; stored?: HealthStatus; state: { status: string; runId?: string; startedAt?: string }; want?: Partial<HealthStatus> }[] = [
    { name: "never started: none", state: { status: "created" } },
    { name: "failed first start: none", state: { status: "exited", runId: "r1" } },
    { name: "running, this run's result", stored: stored("healthy", "r1"), state: { status: "running", runId: "r1", startedAt: "t" }, want: { status: "healthy", log: LOG } },
    { name: "running a new run: starting, streak 0, the old log kept", stored: stored("unhealthy", "r1", 4), state: { status: "running", runId: "r2", startedAt: "t" }, want: { status: "starting", failingStreak: 0, log: LOG, runId: "r2" } },
    { name: "running, no check yet", state: { status: "running", runId: "r1", startedAt: "t" }, want: { status: "starting", failingStreak: 0, log: [] } },
    { name: "stopped healthy: unhealthy, streak and log kept", stored: stored("healthy", "r1"), state: { status: "exited", runId: "r1", startedAt: "t" }, want: { status: "unhealthy", failingStreak: 0, log: LOG } },
    { name: "stopped unhealthy: its streak kept", stored: stored("unhealthy", "r1", 4), state: { status: "exited", runId: "r1", startedAt: "t" }, want: { status: "unhealthy", failingStreak: 4 } },
    { name: "stopped before its run's first check: unhealthy, streak 0, the older log", stored: stored("unhealthy", "r1", 4), state: { status: "exited", runId: "r2", startedAt: "t" }, want: { status: "unhealthy", failingStreak: 0, log: LOG } },
    { name: "exited before any check: unhealthy", state: { status: "exited", runId: "r1", startedAt: "t" }, want: { status: "unhealthy", failingStreak: 0, log: [] } },
    { name: "restarting: unhealthy", stored: stored("healthy", "r1"), state: { status: "restarting", runId: "r1", startedAt: "t" }, want: { status: "unhealthy" } },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const got = healthOfRun(c.stored, c.state);
      if (c.want === undefined) return assert.equal(got, undefined);
      assert.ok(got !== undefined);
      for (const [k, v] of Object.entries(c.want)) assert.deepEqual(got[k as keyof HealthStatus], v, k);
    });
  }
});
