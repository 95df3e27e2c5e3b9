import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isBerthError } from "../../oci/index.js";
import type { RolloutRecord, RolloutState } from "../rollout/service-revision.js";
import { OrchestratorState } from "./orchestrator-state.js";
import { MAX_TEXT } from "./state-checks.js";
import { stateDir, withState } from "./state.test-support.js";

const rollout = (service: string, state: RolloutState, over: Partial<RolloutRecord> = {}): RolloutRecord => ({
  project: "shop", service, from: 1, to: 2, state, detail: `${service} ${state}`,
  started: "2026-01-02T03:04:05.000Z", updated: "2026-01-02T03:04:06.000Z", ...over,
});

describe("rollouts", () => {
  it("round-trip, one per service: the latest replaces the one before, through a reopen", async () => {
    const dir = await stateDir();
    try {
      const s = OrchestratorState.open(dir.path);
      s.putRollout(rollout("web", "updating"));
      s.putRollout(rollout("web", "completed", { detail: "3/3 replicas updated", updated: "2026-01-02T03:05:00.000Z" }));
      s.putRollout(rollout("api", "paused", { from: undefined, to: 1 }));
      s.close();
      const again = OrchestratorState.open(dir.path);
      assert.deepEqual(again.getRollout("shop", "web"), rollout("web", "completed", { detail: "3/3 replicas updated", updated: "2026-01-02T03:05:00.000Z" }));
      const api = again.getRollout("shop", "api");
      assert.deepEqual(api, rollout("api", "paused", { from: undefined, to: 1 }));
      assert.ok(api !== undefined && "from" in api && api.from === undefined, "from is present and undefined");
      assert.equal(again.getRollout("shop", "db"), undefined);
      again.close();
    } finally {
      await dir.remove();
    }
  });

  it("unfinishedRollouts lists those updating or rolling back, oldest first", () =>
    withState((s) => {
      const states: RolloutState[] = ["completed", "updating", "rolled-back", "rolling-back", "failed", "paused"];
      states.forEach((st, i) => s.putRollout(rollout(`svc${i}`, st, { started: `2026-01-0${9 - i}T00:00:00.000Z` })));
      assert.deepEqual(s.unfinishedRollouts().map((r) => `${r.service}:${r.state}`), ["svc3:rolling-back", "svc1:updating"]);
      s.putRollout(rollout("svc1", "completed"));
      assert.deepEqual(s.unfinishedRollouts().map((r) => r.service), ["svc3"]);
    }));

  it("cuts a long detail instead of refusing the record", () =>
    withState((s) => {
      s.putRollout(rollout("web", "failed", { detail: "health check output: " + "x".repeat(100_000) }));
      const detail = s.getRollout("shop", "web")?.detail ?? "";
      assert.equal(detail.length, MAX_TEXT);
      assert.ok(detail.endsWith("…"));
    }));

  const bad: { name: string; r: RolloutRecord; match: RegExp }[] = [
    { name: "an unknown state", r: rollout("web", "exploded" as RolloutState), match: /state: expected one of updating, rolling-back/ },
    { name: "revision 0", r: rollout("web", "updating", { to: 0 }), match: /to: expected an integer from 1/ },
    { name: "a fractional from", r: rollout("web", "updating", { from: 1.5 }), match: /from: expected an integer/ },
    { name: "a bad start time", r: rollout("web", "updating", { started: "" }), match: /started: expected an ISO 8601 time/ },
    { name: "an empty service", r: rollout("", "updating"), match: /service: expected a name/ },
  ];
  for (const b of bad) {
    it(`refuses ${b.name} with INVALID_ARGUMENT`, () =>
      withState((s) => {
        assert.throws(() => s.putRollout(b.r), (e: unknown) => isBerthError(e, "INVALID_ARGUMENT") && b.match.test(e.message));
        assert.deepEqual(s.unfinishedRollouts(), []);
      }));
  }
});
