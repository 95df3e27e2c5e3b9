import assert from "node:assert/strict";
import { test } from "node:test";
import type { ObservedReplica } from "./up-readiness.js";
import { measureRecovery, pickVictim } from "./up-recovery.js";
import type { StackSide } from "./up-side.js";

const r = (service: string, id: string, running = true, health: ObservedReplica["health"] = "healthy"): ObservedReplica => ({ service, id, running, health });

test("pickVictim: healthy running replicas of the service in id order, in turn", () => {
  const observed = [r("catalog", "c"), r("catalog", "a"), r("catalog", "b", false), r("catalog", "d", true, "starting"), r("cart", "0")];
  assert.deepEqual([0, 1, 2].map((round) => pickVictim(observed, "catalog", round)?.id), ["a", "c", "a"]);
  assert.equal(pickVictim(observed, "redis", 0), undefined);
});

test("measureRecovery: a side whose kill is never healed fails with what was missing, and is taken down", async () => {
  // A real process to kill, owned by this test, standing in for a replica that nobody replaces.
  const { spawn } = await import("node:child_process");
  const child = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)"], { stdio: "ignore" });
  await new Promise((resolve) => child.once("spawn", resolve));
  let downs = 0;
  const side: StackSide = {
    name: "frozen",
    up: async () => undefined,
    observe: async () => [r("catalog", "only")],
    pidOf: async () => child.pid!,
    down: async () => void downs++,
  };
  const lines: string[] = [];
  const got = await measureRecovery(side, { expected: { catalog: 1 }, service: "catalog", kills: 1, timeoutMs: 300, signal: new AbortController().signal, log: (l) => lines.push(l) });
  assert.deepEqual(got.seconds, []);
  assert.match(got.problems.join("\n"), /after 0 of 1 kills: not all healthy within 0\.3 s: catalog 0\/1/);
  assert.equal(downs, 1);
  await new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(undefined) : child.once("exit", resolve)));
  assert.equal(child.signalCode, "SIGKILL", "the victim was killed with -9");
});
