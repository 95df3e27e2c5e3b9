import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MemoryRevisionLog } from "../rollout/memory-revision-log.js";
import type { RevisionLog } from "../rollout/service-revision.js";
import { plannedService, withState } from "./state.test-support.js";

/** A small seeded generator (LCG): the same sequence on every run, so a failure can be replayed. */
const generator = (seed: number) => {
  let s = seed;
  return (n: number): number => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s % n;
  };
};

const summary = (log: RevisionLog, service: string): string =>
  log.list("shop", service).map((r) => `${r.revision}:${r.status}:${r.configHash}`).join(" ");

// The daemon uses SqliteRevisionLog, tests and an engine without a daemon use
// rollout's MemoryRevisionLog: both must make the same status changes, or a
// rollout behaves differently under the daemon than in its own tests.
describe("SqliteRevisionLog and MemoryRevisionLog agree", () => {
  for (const seed of [1, 42, 2026]) {
    it(`on 800 random record/restore/markFailed calls over two services (seed ${seed})`, async () => {
      const plan = await plannedService();
      await withState((state) => {
        const logs: RevisionLog[] = [new MemoryRevisionLog(), state.revisions];
        const pick = generator(seed);
        for (let i = 0; i < 800; i++) {
          const service = pick(4) === 0 ? "db" : "web";
          const kept = logs[0]!.list("shop", service);
          // Now and then a revision that is not kept (dropped by the cap, or never made).
          const target = kept.length === 0 || pick(10) === 0 ? 1000 + pick(5) : kept[pick(kept.length)]!.revision;
          const op = pick(3);
          const what = op === 0 ? "record" : `${op === 1 ? "restore" : "markFailed"} ${target}`;
          const outcomes = logs.map((log) => {
            try {
              if (op === 0) return `made ${log.record({ project: "shop", service, configHash: `h${i}`, image: "shop/web", imageId: `d${i}`, plan }).revision}`;
              if (op === 1) return `current ${log.restore("shop", service, target).revision}`;
              log.markFailed("shop", service, target);
              return "ok";
            } catch (err) {
              return (err as Error).name;
            }
          });
          assert.equal(outcomes[1], outcomes[0], `call ${i}: ${what} of ${service}`);
          assert.equal(summary(logs[1]!, service), summary(logs[0]!, service), `call ${i}: ${what} of ${service}`);
          assert.equal(logs[1]!.current("shop", service)?.revision, logs[0]!.current("shop", service)?.revision);
        }
      });
    });
  }
});
