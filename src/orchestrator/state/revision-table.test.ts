import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isBerthError } from "../../oci/index.js";
import { RevisionNotFoundError } from "../rollout/errors.js";
import type { RevisionLog, RevisionStatus } from "../rollout/service-revision.js";
import type { PlannedService } from "../stack/index.js";
import { OrchestratorState } from "./orchestrator-state.js";
import { MAX_REVISIONS } from "./revision-table.js";
import { plannedService, stateDir, withState } from "./state.test-support.js";

const rec = (log: RevisionLog, plan: PlannedService, n: number, service = "web") =>
  log.record({ project: "shop", service, configHash: `hash-${n}`, image: `shop/web:${n}`, imageId: `sha256:${String(n).padStart(64, "0")}`, plan });

/** "revision:status" of every kept revision, newest first. */
const statuses = (log: RevisionLog, service = "web"): string[] => log.list("shop", service).map((r) => `${r.revision}:${r.status}`);

describe("revisions", () => {
  it("record makes the new one current, the old current previous and the one before superseded", async () => {
    const plan = await plannedService();
    await withState((s) => {
      assert.equal(s.revisions.current("shop", "web"), undefined);
      const r1 = rec(s.revisions, plan, 1);
      assert.equal(r1.revision, 1);
      assert.equal(r1.status, "current");
      assert.ok(!Number.isNaN(Date.parse(r1.created)));
      rec(s.revisions, plan, 2);
      rec(s.revisions, plan, 3);
      assert.deepEqual(statuses(s.revisions), ["3:current", "2:previous", "1:superseded"]);
      assert.equal(s.revisions.current("shop", "web")?.configHash, "hash-3");
      assert.deepEqual(statuses(s.revisions, "api"), [], "services are apart");
    });
  });

  it("keeps the plan, image and hashes exactly, through a reopen", async () => {
    const plan = await plannedService("shop/web@sha256:" + "b".repeat(64));
    const dir = await stateDir();
    try {
      const s = OrchestratorState.open(dir.path);
      const made = rec(s.revisions, plan, 1);
      s.close();
      const again = OrchestratorState.open(dir.path);
      const got = again.revisions.current("shop", "web");
      again.close();
      assert.deepEqual(got, made);
      assert.deepEqual(got?.plan, JSON.parse(JSON.stringify(plan)));
      assert.ok((got?.plan.replicaSpecs.length ?? 0) > 0, "a real plan with replicas");
    } finally {
      await dir.remove();
    }
  });

  it("restore swaps current and previous (undo twice returns), and reaches older revisions", async () => {
    const plan = await plannedService();
    await withState((s) => {
      for (const n of [1, 2, 3]) rec(s.revisions, plan, n);
      assert.equal(s.revisions.restore("shop", "web", 2).status, "current");
      assert.deepEqual(statuses(s.revisions), ["3:previous", "2:current", "1:superseded"]);
      s.revisions.restore("shop", "web", 3);
      assert.deepEqual(statuses(s.revisions), ["3:current", "2:previous", "1:superseded"]);
      assert.equal(s.revisions.restore("shop", "web", 1).configHash, "hash-1");
      assert.deepEqual(statuses(s.revisions), ["3:previous", "2:superseded", "1:current"]);
      assert.equal(s.revisions.restore("shop", "web", 1).revision, 1, "restoring the current one changes nothing");
      assert.deepEqual(statuses(s.revisions), ["3:previous", "2:superseded", "1:current"]);
    });
  });

  it("restore with no current (it was marked failed): the old previous is superseded", async () => {
    const plan = await plannedService();
    await withState((s) => {
      for (const n of [1, 2, 3]) rec(s.revisions, plan, n);
      s.revisions.markFailed("shop", "web", 3);
      assert.deepEqual(statuses(s.revisions), ["3:failed", "2:previous", "1:superseded"]);
      s.revisions.restore("shop", "web", 1);
      assert.deepEqual(statuses(s.revisions), ["3:failed", "2:superseded", "1:current"]);
    });
  });

  it("a rollback: restore the previous one, mark the new one failed; the next record skips it", async () => {
    const plan = await plannedService();
    await withState((s) => {
      rec(s.revisions, plan, 1);
      rec(s.revisions, plan, 2);
      s.revisions.restore("shop", "web", 1);
      s.revisions.markFailed("shop", "web", 2);
      assert.deepEqual(statuses(s.revisions), ["2:failed", "1:current"]);
      rec(s.revisions, plan, 3);
      assert.deepEqual(statuses(s.revisions), ["3:current", "2:failed", "1:previous"]);
      s.revisions.markFailed("shop", "web", 3);
      assert.equal(s.revisions.current("shop", "web"), undefined, "a failed current leaves none until a restore");
      s.revisions.restore("shop", "web", 1);
      assert.deepEqual(statuses(s.revisions), ["3:failed", "2:failed", "1:current"]);
    });
  });

  it("an unknown revision is RevisionNotFoundError (NOT_FOUND) and changes nothing", async () => {
    const plan = await plannedService();
    await withState((s) => {
      rec(s.revisions, plan, 1);
      rec(s.revisions, plan, 2);
      const notFound = (e: unknown) => e instanceof RevisionNotFoundError && isBerthError(e, "NOT_FOUND");
      assert.throws(() => s.revisions.restore("shop", "web", 9), notFound);
      assert.throws(() => s.revisions.markFailed("shop", "web", 9), notFound);
      assert.throws(() => s.revisions.restore("shop", "other", 1), notFound);
      assert.deepEqual(statuses(s.revisions), ["2:current", "1:previous"]);
    });
  });

  it(`keeps at most ${MAX_REVISIONS}: the oldest superseded or failed go first, never the current or previous`, async () => {
    const plan = await plannedService();
    await withState((s) => {
      for (let n = 1; n <= 25; n++) rec(s.revisions, plan, n);
      const list = s.revisions.list("shop", "web");
      assert.equal(list.length, MAX_REVISIONS);
      assert.deepEqual(list.map((r) => r.revision), [25, 24, 23, 22, 21, 20, 19, 18, 17, 16]);
      s.revisions.restore("shop", "web", 16);
      s.revisions.markFailed("shop", "web", 20);
      for (let n = 26; n <= 33; n++) rec(s.revisions, plan, n);
      const kept = s.revisions.list("shop", "web");
      assert.equal(kept.length, MAX_REVISIONS);
      const byStatus = (st: RevisionStatus) => kept.filter((r) => r.status === st).map((r) => r.revision);
      assert.deepEqual(byStatus("current"), [33]);
      assert.deepEqual(byStatus("previous"), [32]);
      assert.deepEqual(byStatus("failed"), [], "the oldest superseded or failed went first, 20 among them");
      assert.deepEqual(kept.map((r) => r.revision), [33, 32, 31, 30, 29, 28, 27, 26, 25, 24], "16 went once it was superseded");
      assert.equal(rec(s.revisions, plan, 34).revision, 34, "numbers are never reused");
    });
  });

  it("never drops the current or previous even when they are the oldest", async () => {
    const plan = await plannedService();
    await withState((s) => {
      for (let n = 1; n <= MAX_REVISIONS; n++) rec(s.revisions, plan, n);
      s.revisions.restore("shop", "web", 2);
      s.revisions.restore("shop", "web", 1);
      assert.deepEqual(statuses(s.revisions).slice(-2), ["2:previous", "1:current"], "the two oldest are the protected ones");
      // Each record makes 1 previous again, so it is never the one dropped.
      for (let n = 11; n <= 15; n++) {
        s.revisions.restore("shop", "web", 1);
        rec(s.revisions, plan, n);
      }
      const kept = s.revisions.list("shop", "web");
      assert.equal(kept.length, MAX_REVISIONS);
      assert.deepEqual(kept.filter((r) => r.status === "current").map((r) => r.revision), [15]);
      assert.ok(kept.some((r) => r.revision === 1), "revision 1 was current or previous at every prune");
    });
  });

  it("refuses a record with a bad name or a plan that is not JSON", async () => {
    const plan = await plannedService();
    await withState((s) => {
      const base = { project: "shop", service: "web", configHash: "h", image: "i", imageId: "d", plan };
      assert.throws(() => s.revisions.record({ ...base, service: "" }), (e: unknown) => isBerthError(e, "INVALID_ARGUMENT"));
      const cyclic = { ...plan } as Record<string, unknown>;
      cyclic.self = cyclic;
      assert.throws(() => s.revisions.record({ ...base, plan: cyclic as unknown as PlannedService }), (e: unknown) => isBerthError(e, "INVALID_ARGUMENT") && /not serialisable/.test(e.message));
      assert.throws(() => s.revisions.record({ ...base, plan: null as unknown as PlannedService }), (e: unknown) => isBerthError(e, "INVALID_ARGUMENT"));
      assert.deepEqual(s.revisions.list("shop", "web"), []);
    });
  });
});
