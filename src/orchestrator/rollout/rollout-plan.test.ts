import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ObservedReplica } from "../stack/observe-stack.js";
import { observed } from "../stack/observed.test-support.js";
import type { PlannedService } from "../stack/stack-plan.js";
import { isOldName, oldName, planLeftovers, planRollout } from "./rollout-plan.js";

const NEW = "sha256:new";

function service(replicas: number, ports: number[] = []): PlannedService {
  return {
    name: "web", image: "busybox", replicas, configHash: "h2", dependsOn: {}, restart: { name: "no", maximumRetryCount: 0 }, hostPaths: [],
    replicaSpecs: Array.from({ length: replicas }, (_, i) => ({
      number: i + 1, name: `p-web-${i + 1}`,
      options: { ...(ports.length > 0 && { publish: ports.map((hostPort) => ({ hostIp: "", hostPort, containerPort: 80, protocol: "tcp" as const, range: 1 })) }) },
    })),
  };
}

/** Replica `n` of web: at the target (`new`) or not, in a state; `old` renames it as a start-first update does; `tag` tells two of one number apart. */
function replica(n: number, o: { at?: boolean; status?: "running" | "exited" | "created"; health?: "healthy" | "starting" | "unhealthy"; old?: boolean; created?: string; tag?: string } = {}): ObservedReplica {
  const base = observed({ service: "web", number: n, status: o.status ?? "running", ...(o.health && { health: o.health }), configHash: o.at ? "h2" : "h1" });
  const id = `${o.tag ?? (o.at ? "a" : "b")}${n}`.padEnd(64, "0");
  return {
    ...base,
    summary: {
      ...base.summary,
      record: { ...base.summary.record, id, name: o.old ? oldName(`p-web-${n}`, id) : `p-web-${n}`, imageId: o.at ? NEW : "sha256:old", created: o.created ?? "2024-01-01T00:00:00Z" },
    },
  };
}

const batches = (p: ReturnType<typeof planRollout>): string[][] => p.batches.map((b) => b.map((s) => `${s.action} ${s.number}`));

describe("planRollout: which replicas change, in which batches", () => {
  const cases: { name: string; replicas: number; observed: ObservedReplica[]; parallelism: number; only?: number[]; skip: number[]; batches: string[][] }[] = [
    { name: "3 old replicas, parallelism 1: one at a time, by number", replicas: 3, parallelism: 1, observed: [replica(1), replica(2), replica(3)], skip: [], batches: [["update 1"], ["update 2"], ["update 3"]] },
    { name: "parallelism 2: two, then one", replicas: 3, parallelism: 2, observed: [replica(1), replica(2), replica(3)], skip: [], batches: [["update 1", "update 2"], ["update 3"]] },
    { name: "parallelism 0: all at once", replicas: 3, parallelism: 0, observed: [replica(1), replica(2), replica(3)], skip: [], batches: [["update 1", "update 2", "update 3"]] },
    { name: "parallelism above the count: one batch", replicas: 2, parallelism: 5, observed: [replica(1), replica(2)], skip: [], batches: [["update 1", "update 2"]] },
    { name: "replicas at the target and ready are skipped (a second run finishes the job)", replicas: 3, parallelism: 1, observed: [replica(1, { at: true }), replica(2, { at: true, health: "healthy" }), replica(3)], skip: [1, 2], batches: [["update 3"]] },
    { name: "at the target but still starting: awaited, first", replicas: 3, parallelism: 1, observed: [replica(1), replica(2, { at: true, health: "starting" }), replica(3)], skip: [], batches: [["await 2"], ["update 1"], ["update 3"]] },
    { name: "at the target but unhealthy: remade", replicas: 1, parallelism: 1, observed: [replica(1, { at: true, health: "unhealthy" })], skip: [], batches: [["update 1"]] },
    { name: "at the target but exited: remade", replicas: 1, parallelism: 1, observed: [replica(1, { at: true, status: "exited" })], skip: [], batches: [["update 1"]] },
    { name: "missing and exited replicas go before running ones", replicas: 3, parallelism: 1, observed: [replica(1), replica(3, { status: "exited" })], skip: [], batches: [["update 2"], ["update 3"], ["update 1"]] },
    { name: "only the numbers asked for", replicas: 3, parallelism: 0, only: [3, 1], observed: [replica(1), replica(2), replica(3)], skip: [], batches: [["update 1", "update 3"]] },
    { name: "all at the target: nothing to do", replicas: 2, parallelism: 1, observed: [replica(1, { at: true }), replica(2, { at: true })], skip: [1, 2], batches: [] },
    { name: "an -old- container is not the replica: the new one at the target counts", replicas: 1, parallelism: 1, observed: [replica(1, { old: true }), replica(1, { at: true })], skip: [1], batches: [] },
    { name: "surplus numbers are not the rollout's", replicas: 1, parallelism: 1, observed: [replica(1, { at: true }), replica(2)], skip: [1], batches: [] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const p = planRollout(service(c.replicas), NEW, c.observed, { parallelism: c.parallelism, ...(c.only && { only: c.only }) });
      assert.deepEqual(p.skip, c.skip);
      assert.deepEqual(batches(p), c.batches);
    });
  }

  it("an image id that differs alone makes a replica change", () => {
    const r = replica(1, { at: true });
    const p = planRollout(service(1), "sha256:other", [r], { parallelism: 1 });
    assert.deepEqual(batches(p), [["update 1"]]);
  });
});

describe("planLeftovers: what an interrupted start-first update left", () => {
  const fix = (rs: ObservedReplica[], replicas = 2): string[] =>
    planLeftovers(service(replicas), rs).map((a) => (a.action === "rename" ? `rename ${a.container.summary.record.name} → ${a.to}` : `remove ${a.container.summary.record.name}`));
  const oldOf = (n: number, tag = "b"): string => oldName(`p-web-${n}`, `${tag}${n}`.padEnd(64, "0"));

  it("nothing left: nothing to do", () => assert.deepEqual(fix([replica(1), replica(2, { at: true })]), []));
  it("the new container is ready: the old one goes", () => assert.deepEqual(fix([replica(1, { old: true }), replica(1, { at: true })]), [`remove ${oldOf(1)}`]));
  it("the new one has no verdict yet: it goes and the old one gets its name back", () => {
    assert.deepEqual(fix([replica(1, { old: true }), replica(1, { at: true, health: "starting" })]), ["remove p-web-1", `rename ${oldOf(1)} → p-web-1`]);
  });
  it("the new one exited: it goes, the old one is the replica again", () => {
    assert.deepEqual(fix([replica(1, { old: true }), replica(1, { at: true, status: "exited" })]), ["remove p-web-1", `rename ${oldOf(1)} → p-web-1`]);
  });
  it("no new container at all: the old one gets its name back", () => assert.deepEqual(fix([replica(2, { old: true })]), [`rename ${oldOf(2)} → p-web-2`]));
  it("two old ones and no new: the running one is kept, the other removed", () => {
    const a = replica(1, { old: true, status: "exited", tag: "c", created: "2024-01-02T00:00:00Z" });
    const b = replica(1, { old: true, tag: "d" });
    assert.deepEqual(fix([a, b]), [`remove ${oldOf(1, "c")}`, `rename ${oldOf(1, "d")} → p-web-1`]);
  });
  it("two old ones, both down: the newest is kept", () => {
    const a = replica(1, { old: true, status: "exited", tag: "c", created: "2024-01-01T00:00:00Z" });
    const b = replica(1, { old: true, status: "exited", tag: "d", created: "2024-01-03T00:00:00Z" });
    assert.deepEqual(fix([a, b]), [`remove ${oldOf(1, "c")}`, `rename ${oldOf(1, "d")} → p-web-1`]);
  });
  it("numbers above the count are left to the reconcile pass", () => assert.deepEqual(fix([replica(3, { old: true })]), []));
});

describe("oldName / isOldName", () => {
  const id = "0123456789abcdef".repeat(4);
  const cases: { name: string | undefined; replica: string; want: boolean }[] = [
    { name: oldName("p-web-1", id), replica: "p-web-1", want: true },
    { name: "p-web-1", replica: "p-web-1", want: false },
    { name: "p-web-1-old-xyz", replica: "p-web-1", want: false },
    { name: "p-web-1-old-0123456789abcdef", replica: "p-web-1", want: false },
    { name: oldName("p-web-12", id), replica: "p-web-1", want: false },
    { name: undefined, replica: "p-web-1", want: false },
  ];
  for (const c of cases) it(`${c.name} of ${c.replica}: ${c.want}`, () => assert.equal(isOldName(c.name, c.replica), c.want));
  it("keeps the first 12 characters of the id", () => assert.equal(oldName("p-web-1", id), "p-web-1-old-0123456789ab"));
});
