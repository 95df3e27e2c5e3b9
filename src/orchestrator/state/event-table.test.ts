import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isBerthError } from "../../oci/index.js";
import type { StackEvent } from "../stack/index.js";
import { OrchestratorState } from "./orchestrator-state.js";
import { stateDir, withState } from "./state.test-support.js";

const event = (project: string, service: string, detail: string, container?: string): StackEvent => ({
  time: "2026-01-02T03:04:05.000Z", project, service, action: "create", detail, ...(container !== undefined && { container }),
});

describe("events", () => {
  it("append returns growing ids; events come back oldest first, as appended", async () => {
    const dir = await stateDir();
    try {
      const s = OrchestratorState.open(dir.path);
      assert.equal(s.lastEventId(), 0);
      const sent = [event("shop", "", "network made"), event("shop", "web", "replica 1", "shop-web-1"), event("blog", "db", "replica 1", "blog-db-1")];
      const ids = sent.map((e) => s.appendEvent(e));
      assert.deepEqual(ids, [1, 2, 3]);
      s.close();
      const again = OrchestratorState.open(dir.path);
      assert.deepEqual(again.events(), sent.map((e, i) => ({ id: i + 1, ...e })));
      assert.equal(again.lastEventId(), 3);
      again.close();
    } finally {
      await dir.remove();
    }
  });

  it("filters by afterId, project, service and limit", () =>
    withState((s) => {
      for (let i = 0; i < 30; i++) s.appendEvent(event(i % 2 ? "shop" : "blog", i % 3 ? "web" : "", `e${i}`));
      const detail = (q: Parameters<typeof s.events>[0]) => s.events(q).map((e) => e.detail);
      assert.deepEqual(detail({ afterId: 27 }), ["e27", "e28", "e29"]);
      assert.deepEqual(detail({ limit: 2 }), ["e0", "e1"]);
      assert.deepEqual(detail({ project: "shop", afterId: 20 }), ["e21", "e23", "e25", "e27", "e29"]);
      assert.deepEqual(detail({ project: "shop", service: "", limit: 3 }), ["e3", "e9", "e15"]);
      assert.deepEqual(detail({ project: "shop", service: "web", afterId: 24 }), ["e25", "e29"]);
      assert.deepEqual(detail({ project: "nope" }), []);
      // newest: the last ones that match, not the matches among the last ones.
      assert.deepEqual(detail({ project: "shop", service: "", limit: 2, newest: true }), ["e21", "e27"]);
      assert.deepEqual(detail({ limit: 2, newest: true }), ["e28", "e29"]);
      assert.deepEqual(detail({ project: "blog", afterId: 25, limit: 5, newest: true }), ["e26", "e28"]);
      assert.throws(() => s.events({ service: "web" }), (e: unknown) => isBerthError(e, "INVALID_ARGUMENT"));
      assert.throws(() => s.events({ limit: 0 }), (e: unknown) => isBerthError(e, "INVALID_ARGUMENT"));
      assert.throws(() => s.events({ afterId: -1 }), (e: unknown) => isBerthError(e, "INVALID_ARGUMENT"));
    }));

  it("pruning keeps the newest, in batches every so many appends, and ids keep growing", () =>
    withState((s) => {
      for (let i = 1; i <= 95; i++) s.appendEvent(event("shop", "web", `e${i}`));
      // Pruned at appends 20, 40, 60, 80: the table then held 50; 15 more since.
      const after = s.events({ limit: 1000 });
      assert.equal(after.length, 65);
      assert.deepEqual(after.map((e) => e.id), Array.from({ length: 65 }, (_, i) => 31 + i));
      assert.equal(s.pruneEvents(), 15);
      assert.deepEqual(s.events().map((e) => e.detail), Array.from({ length: 50 }, (_, i) => `e${46 + i}`));
      assert.equal(s.pruneEvents(), 0);
      assert.equal(s.appendEvent(event("shop", "web", "e96")), 96);
    }, { maxEvents: 50, pruneEventsEvery: 20 }));

  it("prunes a table far over the cap in several batches", () =>
    withState((s) => {
      const extra = 12_345;
      for (let i = 0; i < extra + 10; i++) s.appendEvent(event("shop", "web", `e${i}`));
      assert.equal(s.pruneEvents(), extra);
      assert.deepEqual(s.events().map((e) => e.detail), Array.from({ length: 10 }, (_, i) => `e${extra + i}`));
    }, { maxEvents: 10, pruneEventsEvery: 1_000_000 }));

  it("lastEventId never goes back, even when the newest rows are gone", () =>
    withState((s) => {
      for (let i = 0; i < 5; i++) s.appendEvent(event("shop", "web", `e${i}`));
      s.pruneEvents();
      assert.equal(s.lastEventId(), 5);
      assert.equal(s.events().length, 1);
      assert.equal(s.appendEvent(event("shop", "web", "next")), 6);
    }, { maxEvents: 1 }));

  it("cuts a long detail, and refuses events it could not show", () =>
    withState((s) => {
      const id = s.appendEvent(event("shop", "web", "y".repeat(50_000)));
      assert.ok((s.events({ afterId: id - 1 })[0]?.detail.length ?? 0) <= 8192);
      const refused: StackEvent[] = [
        { ...event("shop", "web", "x"), time: "not a time" },
        event("", "web", "no project"),
        event("shop", "web\u0007", "bell in a name"),
        { ...event("shop", "web", "x"), detail: undefined as unknown as string },
      ];
      for (const e of refused) assert.throws(() => s.appendEvent(e), (err: unknown) => isBerthError(err, "INVALID_ARGUMENT"), JSON.stringify(e));
      assert.equal(s.events().length, 1);
    }));
});
