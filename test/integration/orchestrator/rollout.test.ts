// Rolling updates with real containers (runc, conmon, netavark) as root: start-first keeps every replica
// serving, a bad revision is rolled back, stop-first in batches, an aborted rollout finished by the next call, undo.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  MemoryRevisionLog, rolloutRevision, undoRollout, type PlannedService, type ReplicaChange, type RevisionRolloutOptions, type RevisionRolloutResult,
} from "../../../src/orchestrator/index.js";
import { assertNoOld, Progress, ReadyWatch, revisionStates, webReplicas, webStack, webState, webTarget, type WebTarget } from "./rollout-fixture.js";
import { EventLog, eventually, useStackRoot, type StackRoot } from "./stack-fixture.js";

const P = "roll";

describe("rolloutService: rolling updates of a 3-replica service with real containers", () => {
  const stackRoot = useStackRoot();
  const log = new MemoryRevisionLog();
  const plans: Record<string, PlannedService> = {};
  const targets: Record<string, WebTarget> = {};
  const roll = (r: StackRoot, t: WebTarget, extra: Partial<RevisionRolloutOptions> = {}): Promise<RevisionRolloutResult> =>
    rolloutRevision({ runtime: r.runtime, project: P, target: t.plan, targetImage: t.image, update: t.update, rollback: t.rollback, log, pollMs: 100, timeoutS: 2, readyMarginMs: 5_000, drainMs: 200, ...extra });
  const all = (v: string): string[] => [1, 2, 3].map((n) => `${P}-web-${n}=${v}`);

  it("start-first, parallelism 1: every replica on the new revision, never fewer than 3 ready", async (t) => {
    const r = stackRoot(t);
    if (!r) return;
    targets.v1 = await webTarget(r, P, { version: "v1" });
    plans.v1 = targets.v1.plan;
    await r.engine().up(await r.project(P, webStack(P, { version: "v1" })), { timeoutS: 2 });
    await eventually("3 healthy replicas", async () => (await webState(r, P, plans)).join() === all("v1").join());
    const first = await roll(r, targets.v1);
    assert.deepEqual([first.state, first.updated], ["completed", 0], "a revision already running is only recorded");
    assert.deepEqual(revisionStates(log, P), ["1:current"]);

    targets.v2 = await webTarget(r, P, { version: "v2" });
    plans.v2 = targets.v2.plan;
    const watch = new ReadyWatch(r, P);
    const events = new EventLog();
    const progress = new Progress();
    const changes: string[] = [];
    const hook = async (c: ReplicaChange): Promise<void> => void changes.push(c.added.length > 0 ? "added" : c.leaving.length > 0 ? "leaving" : "settled");
    const result = await roll(r, targets.v2, { onEvent: events.sink, onProgress: progress.sink, afterReplicaChange: hook });
    const counts = await watch.stop();
    assert.equal(result.state, "completed", result.detail);
    assert.equal(result.updated, 3);
    assert.ok(counts.length > 5 && Math.min(...counts) >= 3, `fewer than 3 ready at some moment: ${counts.join(" ")}`);
    assert.ok(Math.max(...counts) === 4, `never 4 ready (old and new side by side): ${counts.join(" ")}`);
    assert.deepEqual(await webState(r, P, plans), all("v2"));
    await assertNoOld(r, P);
    assert.deepEqual(revisionStates(log, P), ["2:current", "1:previous"]);
    assert.deepEqual(events.changes(), [`recreate ${P}-web-1`, `recreate ${P}-web-2`, `recreate ${P}-web-3`]);
    assert.deepEqual(changes, ["added", "leaving", "settled", "added", "leaving", "settled", "added", "leaving", "settled"], "the new replica joins before the old one leaves");
    assert.deepEqual(progress.states(), ["updating", "completed"]);
    assert.deepEqual(progress.records.map((x) => x.detail).filter((d, i) => progress.records[i]?.state === "updating" && /replicas updated$/.test(d)), ["1/3 replicas updated", "2/3 replicas updated", "3/3 replicas updated"]);
    assert.deepEqual([progress.records.at(-1)?.from, progress.records.at(-1)?.to], [1, 2]);
  });

  it("a revision whose replicas exit at once is rolled back: every replica on the old revision, ready; the revision failed", async (t) => {
    const r = stackRoot(t);
    if (!r) return;
    const bad = await webTarget(r, P, { version: "v3", broken: "exit" });
    plans.v3 = bad.plan;
    const events = new EventLog();
    const progress = new Progress();
    const result = await roll(r, bad, { onEvent: events.sink, onProgress: progress.sink });
    assert.equal(result.state, "rolled-back", result.detail);
    assert.match(result.detail, /rolled back to revision 2: 1 of 3 replicas failed \(roll-web-1: it exited with code 3/);
    assert.deepEqual(await webState(r, P, plans), all("v2"));
    await assertNoOld(r, P);
    assert.deepEqual(revisionStates(log, P), ["3:failed", "2:current", "1:superseded"]);
    assert.deepEqual(progress.states(), ["updating", "rolling-back", "rolled-back"]);
    assert.ok(events.events.some((e) => e.action === "rollback" && /^rolled back web to revision 2/.test(e.detail)), JSON.stringify(events.events));
  });

  it("stop-first: an unhealthy revision is rolled back (the stopped replica made anew on the old one)", async (t) => {
    const r = stackRoot(t);
    if (!r) return;
    const bad = await webTarget(r, P, { version: "v4", broken: "unhealthy", update: "{parallelism: 1, order: stop-first, monitor: 1s}" });
    plans.v4 = bad.plan;
    const before = await webReplicas(r, P);
    const events = new EventLog();
    const result = await roll(r, bad, { onEvent: events.sink });
    assert.equal(result.state, "rolled-back", result.detail);
    assert.match(result.detail, /roll-web-1: it is unhealthy/);
    assert.ok(events.events.some((e) => e.action === "rollback" && e.container === `${P}-web-1`), "no rollback event for replica 1");
    assert.deepEqual(await webState(r, P, plans), all("v2"));
    const after = new Map((await webReplicas(r, P)).map((x) => [x.summary.record.name, x.summary.record.id]));
    assert.deepEqual(before.filter((x) => after.get(x.summary.record.name) === x.summary.record.id).map((x) => x.summary.record.name).sort(), [`${P}-web-2`, `${P}-web-3`], "only replica 1 was touched");
    assert.deepEqual(revisionStates(log, P), ["4:failed", "3:failed", "2:current", "1:superseded"]);
  });

  it("stop-first, parallelism 2: two replicas at a time", async (t) => {
    const r = stackRoot(t);
    if (!r) return;
    targets.v5 = await webTarget(r, P, { version: "v5", update: "{parallelism: 2, order: stop-first, monitor: 1s}" });
    plans.v5 = targets.v5.plan;
    const progress = new Progress();
    const watch = new ReadyWatch(r, P);
    const result = await roll(r, targets.v5, { onProgress: progress.sink });
    const counts = await watch.stop();
    assert.equal(result.state, "completed", result.detail);
    assert.deepEqual(progress.records.map((x) => x.detail).filter((d, i) => progress.records[i]?.state === "updating" && /replicas updated$/.test(d)), ["2/3 replicas updated", "3/3 replicas updated"]);
    assert.ok(counts.includes(1), `two replicas were never down at once: ${counts.join(" ")}`);
    assert.ok(Math.max(...counts) <= 3, `stop-first ran old and new side by side: ${counts.join(" ")}`);
    assert.deepEqual(await webState(r, P, plans), all("v5"));
    assert.deepEqual(revisionStates(log, P), ["5:current", "4:failed", "3:failed", "2:previous", "1:superseded"]);
  });

  it("a rollout aborted mid-way is finished by the next call: no replica twice, no -old- container left", async (t) => {
    const r = stackRoot(t);
    if (!r) return;
    targets.v6 = await webTarget(r, P, { version: "v6" });
    plans.v6 = targets.v6.plan;
    const ac = new AbortController();
    const stopAtSecond = (e: { action: string; container?: string }): void => {
      if (e.action === "recreate" && e.container === `${P}-web-2`) ac.abort(new Error("test abort"));
    };
    await assert.rejects(roll(r, targets.v6, { onEvent: stopAtSecond, signal: ac.signal }), /test abort/);
    const mid = (await webReplicas(r, P)).map((x) => x.summary.record.name ?? "");
    assert.equal(mid.filter((n) => n.startsWith(`${P}-web-2-old-`)).length, 1, `no old web-2 kept aside: ${mid.join(", ")}`);
    const events = new EventLog();
    const result = await roll(r, targets.v6, { onEvent: events.sink });
    assert.equal(result.state, "completed", result.detail);
    assert.equal(result.revision.revision, 6, "the resumed rollout keeps its revision");
    assert.deepEqual(await webState(r, P, plans), all("v6"));
    await assertNoOld(r, P);
    assert.equal((await webReplicas(r, P)).length, 3);
    assert.deepEqual(events.changes().filter((c) => c.startsWith("recreate")).map((c) => c.split(" ")[1]), [`${P}-web-2`, `${P}-web-3`].filter((n) => events.changes().includes(`recreate ${n}`)));
    assert.ok(!events.changes().includes(`recreate ${P}-web-1`), "replica 1, already updated, was remade");
    assert.deepEqual(revisionStates(log, P).slice(0, 2), ["6:current", "5:previous"]);
  });

  it("undo returns to the previous revision, and a second undo comes back", async (t) => {
    const r = stackRoot(t);
    if (!r) return;
    const undo = (): Promise<RevisionRolloutResult> =>
      undoRollout({ runtime: r.runtime, project: P, service: "web", log, rollback: targets.v6!.rollback, pollMs: 100, timeoutS: 2, readyMarginMs: 5_000 });
    const back = await undo();
    assert.equal(back.state, "completed", back.detail);
    assert.equal(back.revision.revision, 5);
    assert.deepEqual(await webState(r, P, plans), all("v5"));
    assert.deepEqual(revisionStates(log, P).slice(0, 2), ["6:previous", "5:current"]);
    const again = await undo();
    assert.equal(again.revision.revision, 6);
    assert.deepEqual(await webState(r, P, plans), all("v6"));
    await assertNoOld(r, P);
    await r.engine().down(P, { timeoutS: 2 });
    await r.assertGone(P);
  });
});
