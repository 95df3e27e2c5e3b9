// `berth up` (StackEngine.up → convergeService) rolls replicas whose configuration changed out as a rolling
// update, with real containers as root; convergeService with the service's update_config and a revision log.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MemoryRevisionLog, rolloutRevision, RolloutFailedError, type PlannedService } from "../../../src/orchestrator/index.js";
import { convergeService, type ConvergeOptions } from "../../../src/orchestrator/stack/converge-service.js";
import { observeStack } from "../../../src/orchestrator/stack/observe-stack.js";
import { ReplicaLifecycle } from "../../../src/orchestrator/stack/replica-lifecycle.js";
import { assertNoOld, ReadyWatch, revisionStates, webStack, webState, webTarget, type WebOptions } from "./rollout-fixture.js";
import { EventLog, eventually, useStackRoot, type StackRoot } from "./stack-fixture.js";

const P = "upr";

describe("StackEngine.up and convergeService with a changed configuration: a rolling update", () => {
  const stackRoot = useStackRoot();
  const plans: Record<string, PlannedService> = {};
  const all = (v: string): string => [1, 2, 3].map((n) => `${P}-web-${n}=${v}`).join();
  /** convergeService as `up` calls it, with the file's update_config and rollback_config. */
  const converge = async (r: StackRoot, o: WebOptions, extra: ConvergeOptions = {}): Promise<number> => {
    const t = await webTarget(r, P, o);
    plans[o.version] = t.plan;
    const lc = new ReplicaLifecycle(r.runtime, () => undefined);
    return convergeService(lc, t.plan, await observeStack(r.runtime, P), t.image, { timeoutS: 2, update: t.update, rollback: t.rollback, ...extra });
  };

  it("up: start-first from the file, every changed replica recreated, never fewer than 3 ready; a second up does nothing", async (t) => {
    const r = stackRoot(t);
    if (!r) return;
    const v1 = await r.project(P, webStack(P, { version: "v1" }));
    plans.v1 = r.engine().plan(v1).services[0]!;
    await r.engine().up(v1, { timeoutS: 2 });
    await eventually("3 healthy replicas", async () => (await webState(r, P, plans)).join() === all("v1"));
    const v2 = await r.project(P, webStack(P, { version: "v2" }));
    plans.v2 = r.engine().plan(v2).services[0]!;
    const log = new EventLog();
    const watch = new ReadyWatch(r, P);
    const { actions } = await r.engine().up(v2, { timeoutS: 2, onEvent: log.sink });
    const counts = await watch.stop();
    assert.equal(actions, 3);
    assert.deepEqual(log.changes(), [`recreate ${P}-web-1`, `recreate ${P}-web-2`, `recreate ${P}-web-3`]);
    assert.ok(Math.min(...counts) >= 3, `fewer than 3 ready at some moment: ${counts.join(" ")}`);
    assert.equal((await webState(r, P, plans)).join(), all("v2"));
    await assertNoOld(r, P);
    log.clear();
    assert.equal((await r.engine().up(v2, { onEvent: log.sink })).actions, 0);
    assert.deepEqual(log.changes(), []);
  });

  it("convergeService, start-first, replicas that exit: RolloutFailedError (nothing to roll back to), the old replica 1 kept serving", async (t) => {
    const r = stackRoot(t);
    if (!r) return;
    await assert.rejects(converge(r, { version: "v3", broken: "exit" }), (e: unknown) => {
      assert.ok(e instanceof RolloutFailedError, String(e));
      assert.equal(e.state, "failed", "without a revision log there is nothing to roll back to");
      assert.match(e.message, /upr-web-1: it exited with code 3/);
      assert.match(e.hint ?? "", /berth service logs web/);
      return true;
    });
    assert.equal((await webState(r, P, plans)).join(), all("v2"));
    await assertNoOld(r, P);
  });

  it("convergeService with a revision log: an unhealthy revision is rolled back and up fails saying so", async (t) => {
    const r = stackRoot(t);
    if (!r) return;
    const log = new MemoryRevisionLog();
    const v2 = await webTarget(r, P, { version: "v2" });
    await rolloutRevision({ runtime: r.runtime, project: P, target: v2.plan, targetImage: v2.image, log });
    await assert.rejects(converge(r, { version: "v4", broken: "unhealthy", update: "{parallelism: 1, order: stop-first, monitor: 1s}" }, { revisions: log }), (e: unknown) => {
      assert.ok(e instanceof RolloutFailedError, String(e));
      assert.equal(e.state, "rolled-back", e.message);
      return true;
    });
    assert.equal((await webState(r, P, plans)).join(), all("v2"));
    assert.deepEqual(revisionStates(log, P), ["2:failed", "1:current"]);
    assert.equal(await converge(r, { version: "v2" }, { revisions: log }), 0, "converging to the current revision does nothing");
    await r.engine().down(P, { timeoutS: 2 });
    await r.assertGone(P);
  });
});
