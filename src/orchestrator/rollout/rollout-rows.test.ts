import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { PlannedService } from "../stack/stack-plan.js";
import { MemoryRevisionLog } from "./memory-revision-log.js";
import { formatElapsed, revisionHistoryRows, rolloutStatusRows } from "./rollout-rows.js";
import type { RolloutRecord } from "./service-revision.js";

const plan = (hash: string): PlannedService => ({
  name: "web", image: "busybox", replicas: 2, configHash: hash, dependsOn: {}, restart: { name: "no", maximumRetryCount: 0 }, hostPaths: [], replicaSpecs: [],
});
const rec = (hash: string) => ({ project: "p", service: "web", configHash: hash, image: "busybox", imageId: `sha256:${hash}`, plan: plan(hash) });

describe("rollout rows", () => {
  it("history: newest first, short ids and hashes", () => {
    const log = new MemoryRevisionLog();
    log.record(rec("0123456789abcdef"));
    log.record(rec("fedcba9876543210"));
    const rows = revisionHistoryRows([...log.list("p", "web")].reverse());
    assert.deepEqual(rows.map((r) => [r.revision, r.status, r.image, r.config, r.replicas]), [
      ["2", "current", "busybox (fedcba987654)", "fedcba987654", "2"],
      ["1", "previous", "busybox (0123456789ab)", "0123456789ab", "2"],
    ]);
  });

  it("status: by service, revisions and elapsed time", () => {
    const r = (service: string, state: RolloutRecord["state"], from: number | undefined): RolloutRecord => ({
      project: "p", service, from, to: 3, state, detail: "d", started: "2024-01-01T00:00:00.000Z", updated: "2024-01-01T00:00:42.000Z",
    });
    const rows = rolloutStatusRows([r("web", "updating", 2), r("api", "completed", undefined)], Date.parse("2024-01-01T00:03:04Z"));
    assert.deepEqual(rows.map((x) => [x.service, x.state, x.revisions, x.elapsed]), [["api", "completed", "→ 3", "42s"], ["web", "updating", "2 → 3", "3m4s"]]);
  });

  const cases: [number, string][] = [[0, "0ms"], [999, "999ms"], [1000, "1s"], [61_000, "1m1s"], [3_723_000, "1h2m"], [-5, "-"], [Number.NaN, "-"]];
  for (const [ms, want] of cases) it(`formatElapsed(${ms}) = ${want}`, () => assert.equal(formatElapsed(ms), want));
});
