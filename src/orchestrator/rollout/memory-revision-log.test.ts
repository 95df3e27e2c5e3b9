import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isBerthError } from "../../oci/index.js";
import type { PlannedService } from "../stack/stack-plan.js";
import { MemoryRevisionLog } from "./memory-revision-log.js";

const plan = (hash: string): PlannedService => ({
  name: "web", image: "busybox", replicas: 2, configHash: hash, dependsOn: {}, restart: { name: "no", maximumRetryCount: 0 }, hostPaths: [], replicaSpecs: [],
});
const rec = (hash: string) => ({ project: "p", service: "web", configHash: hash, image: "busybox", imageId: `sha256:${hash}`, plan: plan(hash) });
const statuses = (log: MemoryRevisionLog): string[] => log.list("p", "web").map((r) => `${r.revision}:${r.status}`);

describe("MemoryRevisionLog", () => {
  it("record: the new one is current, the old current previous, the older superseded", () => {
    const log = new MemoryRevisionLog();
    assert.equal(log.current("p", "web"), undefined);
    assert.equal(log.record(rec("a")).revision, 1);
    log.record(rec("b"));
    log.record(rec("c"));
    assert.deepEqual(statuses(log), ["3:current", "2:previous", "1:superseded"]);
    assert.equal(log.current("p", "web")?.configHash, "c");
    assert.deepEqual(log.list("p", "other"), []);
  });

  it("a rollback: restore the previous, then mark the failed one; undo twice returns", () => {
    const log = new MemoryRevisionLog();
    log.record(rec("a"));
    log.record(rec("b"));
    log.restore("p", "web", 1);
    log.markFailed("p", "web", 2);
    assert.deepEqual(statuses(log), ["2:failed", "1:current"]);
    log.record(rec("c"));
    assert.deepEqual(statuses(log), ["3:current", "2:failed", "1:previous"]);
    log.restore("p", "web", 1);
    assert.deepEqual(statuses(log), ["3:previous", "2:failed", "1:current"]);
    log.restore("p", "web", 3);
    assert.deepEqual(statuses(log), ["3:current", "2:failed", "1:previous"]);
    assert.equal(log.restore("p", "web", 3).revision, 3, "restoring the current one changes nothing");
    assert.deepEqual(statuses(log), ["3:current", "2:failed", "1:previous"]);
  });

  it("unknown revisions are refused with NOT_FOUND", () => {
    const log = new MemoryRevisionLog();
    log.record(rec("a"));
    assert.throws(() => log.restore("p", "web", 9), (e) => isBerthError(e, "NOT_FOUND"));
    assert.throws(() => log.markFailed("p", "db", 1), (e) => isBerthError(e, "NOT_FOUND"));
  });

  it("keeps 10 per service, dropping the oldest superseded first", () => {
    const log = new MemoryRevisionLog();
    for (let i = 0; i < 14; i++) log.record(rec(`h${i}`));
    const list = log.list("p", "web");
    assert.equal(list.length, 10);
    assert.deepEqual([list[0]?.revision, list.at(-1)?.revision], [14, 5]);
  });

  it("returns copies: changing one changes nothing stored", () => {
    const log = new MemoryRevisionLog();
    const r = log.record(rec("a"));
    (r.plan as { replicas: number }).replicas = 99;
    assert.equal(log.current("p", "web")?.plan.replicas, 2);
  });
});
