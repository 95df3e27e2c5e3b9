import assert from "node:assert/strict";
import { describe, it } from "node:test";
import Database from "better-sqlite3";
import { isBerthError } from "../../oci/index.js";
import { StackNotFoundError } from "../stack/index.js";
import { OrchestratorState } from "./orchestrator-state.js";
import { StateCorruptError, StoredServiceNotFoundError } from "./state-errors.js";
import type { StoredStack } from "./stored-stack.js";
import { plannedService, stateDir, storedStack, withState } from "./state.test-support.js";

describe("stacks", () => {
  it("round-trip through a reopen, env and paths byte for byte", async () => {
    const dir = await stateDir();
    try {
      const want = storedStack("shop", { env: { A: "1", EMPTY: "", "WEIRD KEY": "line1\nline2\u0000end", EMOJI: "🚢" }, enable: ["debug-tool"] });
      const s = OrchestratorState.open(dir.path);
      s.putStack(want);
      s.close();
      const again = OrchestratorState.open(dir.path);
      assert.deepEqual(again.getStack("shop"), want);
      assert.equal(again.getStack("nope"), undefined);
      again.close();
    } finally {
      await dir.remove();
    }
  });

  it("put replaces the whole stack, its service counts included", () =>
    withState((s) => {
      s.putStack(storedStack("shop"));
      const next = storedStack("shop", { services: { api: { replicas: 2 } }, stopped: true, profiles: [], scale: {} });
      s.putStack(next);
      assert.deepEqual(s.getStack("shop"), next);
    }));

  it("lists stacks by project name", () =>
    withState((s) => {
      for (const p of ["zeta", "alpha", "mid"]) s.putStack(storedStack(p, { services: { [`${p}-svc`]: { replicas: 1 } } }));
      const list = s.listStacks();
      assert.deepEqual(list.map((x) => x.project), ["alpha", "mid", "zeta"]);
      assert.deepEqual(list.map((x) => Object.keys(x.services)), [["alpha-svc"], ["mid-svc"], ["zeta-svc"]]);
    }));

  it("setReplicas changes one service's desired count and the update time", () =>
    withState((s) => {
      s.putStack(storedStack("shop"));
      s.setReplicas("shop", "web", 7);
      const got = s.getStack("shop");
      assert.deepEqual(got?.services, { web: { replicas: 7 }, db: { replicas: 1 } });
      assert.notEqual(got?.updated, storedStack("shop").updated);
      s.setReplicas("shop", "web", 0);
      assert.equal(s.getStack("shop")?.services.web?.replicas, 0);
    }));

  it("setReplicas of an unknown stack or service is NOT_FOUND, naming what exists", () =>
    withState((s) => {
      s.putStack(storedStack("shop"));
      assert.throws(() => s.setReplicas("nope", "web", 1), (e: unknown) => e instanceof StackNotFoundError);
      assert.throws(() => s.setReplicas("shop", "cache", 1),
        (e: unknown) => e instanceof StoredServiceNotFoundError && isBerthError(e, "NOT_FOUND") && /db, web/.test(e.hint ?? ""));
    }));

  it("setStopped toggles the flag; an unknown stack is NOT_FOUND", () =>
    withState((s) => {
      s.putStack(storedStack("shop"));
      s.setStopped("shop", true);
      assert.equal(s.getStack("shop")?.stopped, true);
      s.setStopped("shop", false);
      assert.equal(s.getStack("shop")?.stopped, false);
      assert.throws(() => s.setStopped("nope", true), (e: unknown) => e instanceof StackNotFoundError);
    }));

  it("removeStack drops its revisions, rollouts and samples, keeps its events, leaves other stacks alone", async () => {
    const plan = await plannedService();
    await withState((s) => {
      for (const p of ["shop", "blog"]) {
        s.putStack(storedStack(p));
        s.revisions.record({ project: p, service: "web", configHash: "h1", image: "shop/web:1", imageId: "sha256:aa", plan });
        s.putRollout({ project: p, service: "web", from: undefined, to: 1, state: "updating", detail: "", started: new Date().toISOString(), updated: new Date().toISOString() });
        s.addSamples([{ project: p, service: "web", container: `${p}-web-1`, time: 1000, cpu: 0.5, memoryBytes: 1 << 20 }]);
        s.appendEvent({ time: new Date().toISOString(), project: p, service: "web", action: "create", detail: "made" });
      }
      assert.equal(s.removeStack("shop"), true);
      assert.equal(s.getStack("shop"), undefined);
      assert.deepEqual(s.revisions.list("shop", "web"), []);
      assert.equal(s.getRollout("shop", "web"), undefined);
      assert.deepEqual(s.samples({ project: "shop", sinceMs: 0 }), []);
      assert.equal(s.events({ project: "shop" }).length, 1);
      assert.equal(s.getStack("blog")?.project, "blog");
      assert.equal(s.revisions.list("blog", "web").length, 1);
      assert.equal(s.samples({ project: "blog", sinceMs: 0 }).length, 1);
      assert.equal(s.removeStack("shop"), false);
    });
  });

  it("a row whose JSON was damaged outside berth is a StateCorruptError naming the column", () =>
    withState((s, dir) => {
      s.putStack(storedStack("shop"));
      const raw = new Database(dir.path);
      raw.prepare("UPDATE stacks SET env = ? WHERE project = ?").run("{not json", "shop");
      raw.close();
      assert.throws(() => s.getStack("shop"), (e: unknown) => e instanceof StateCorruptError && /stack shop: env holds invalid JSON/.test(e.message));
      assert.throws(() => s.listStacks(), (e: unknown) => e instanceof StateCorruptError);
    }));

  const bad: { name: string; stack: StoredStack; match: RegExp }[] = [
    { name: "an empty project", stack: storedStack(""), match: /project: expected a name/ },
    { name: "a project of 10 000 characters", stack: storedStack("p".repeat(10_000)), match: /project: expected a name of 1 to 255/ },
    { name: "a control character in the project", stack: storedStack("shop\n"), match: /project/ },
    { name: "negative replicas", stack: storedStack("shop", { services: { web: { replicas: -1 } } }), match: /services\.web\.replicas: expected an integer from 0 to 1000, got -1/ },
    { name: "NaN replicas", stack: storedStack("shop", { services: { web: { replicas: Number.NaN } } }), match: /got NaN/ },
    { name: "fractional replicas", stack: storedStack("shop", { services: { web: { replicas: 1.5 } } }), match: /got 1\.5/ },
    { name: "too many replicas", stack: storedStack("shop", { scale: { web: 1e9 } }), match: /scale\.web/ },
    { name: "an env value that is not a string", stack: storedStack("shop", { env: { A: 1 as unknown as string } }), match: /env\.A: expected a string/ },
    { name: "files that are not a list", stack: storedStack("shop", { files: "compose.yaml" as unknown as string[] }), match: /files: expected a list/ },
    { name: "an update time that is not a time", stack: storedStack("shop", { updated: "yesterday" }), match: /updated: expected an ISO 8601 time/ },
    { name: "an environment over 4 MiB", stack: storedStack("shop", { env: { BIG: "x".repeat(5 * 1024 * 1024) } }), match: /env: \d+ characters as JSON, at most/ },
  ];
  for (const b of bad) {
    it(`refuses ${b.name} with INVALID_ARGUMENT and stores nothing`, () =>
      withState((s) => {
        s.putStack(storedStack("shop"));
        assert.throws(() => s.putStack(b.stack), (e: unknown) => isBerthError(e, "INVALID_ARGUMENT") && b.match.test(e.message));
        assert.deepEqual(s.listStacks(), [storedStack("shop")]);
      }));
  }
});
