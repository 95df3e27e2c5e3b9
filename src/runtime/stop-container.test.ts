import assert from "node:assert/strict";
import { test } from "node:test";
import { normalizeSignal } from "./stop-container.js";

test("normalizeSignal: docker's forms of a signal, as runc takes them", () => {
  for (const [given, want] of [["term", "SIGTERM"], ["SIGKILL", "SIGKILL"], [" hup ", "SIGHUP"], ["9", "9"], ["64", "64"], ["RTMIN+3", "SIGRTMIN+3"], ["sigrtmax-1", "SIGRTMAX-1"], ["SIGWINCH", "SIGWINCH"]]) {
    assert.equal(normalizeSignal(given!), want, given);
  }
});

test("normalizeSignal: what is no signal is refused as docker refuses it, before runc is asked", () => {
  for (const bad of ["BOGUS", "SIGBOGUS", "0", "65", "SIG", "", "RTMIN+x", "-9"]) {
    assert.throws(() => normalizeSignal(bad), (e: unknown) => e instanceof Error && /^invalid signal: /.test(e.message), bad);
  }
});
