// berth events -n N -p NAME: the last N events of that stack, not those of the last N events of every stack that are its;
// queries about a stack the daemon does not keep fail instead of printing an empty table, and a query the event log
// refuses is answered as an error.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DaemonClient, daemonPaths } from "../../../src/api/index.js";
import { describeResult } from "../../support/run.js";
import { IMAGE, useStackRoot } from "../orchestrator/stack-fixture.js";
import { berth } from "./daemon-fixture.js";

const yaml = (name: string): string => `name: ${name}
services:
  job:
    image: ${IMAGE}
    command: ["/bin/busybox", "true"]
    restart: "no"
    network_mode: none
`;

describe("berth events with filters", () => {
  const stackRoot = useStackRoot();

  it("-n counts the events of the stack asked for (-n 0 and -n 00: none); --service without -p is refused; rollout status of an unknown stack is not found", async (t) => {
    const r = stackRoot(t);
    if (!r) return;
    const one = await r.project("ev-one", yaml("evone"));
    const two = await r.project("ev-two", yaml("evtwo"));
    try {
      for (const p of [one, two]) {
        const up = await berth(r, ["up", "-d"], p.workingDir);
        assert.equal(up.code, 0, describeResult(up));
      }
      const last = await berth(r, ["events", "--format", "json", "-p", "evone", "-n", "1"], one.workingDir);
      assert.equal(last.code, 0, describeResult(last));
      const lines = last.stdout.trim().split("\n").filter((l) => l !== "").map((l) => JSON.parse(l) as { project: string; action: string; container?: string });
      assert.deepEqual(lines.map((e) => [e.project, e.action, e.container]), [["evone", "create", "evone-job-1"]], last.stdout);
      for (const zero of ["0", "00"]) {
        // No past event, and it follows until stopped (here: killed after 3 s), whichever way 0 is written.
        const none = await berth(r, ["events", "-f", "--format", "json", "-n", zero], one.workingDir, 3_000);
        assert.ok(none.timedOut, `events -f -n ${zero} ended: ${describeResult(none)}`);
        assert.equal(none.stdout, "", `-n ${zero} printed past events`);
      }
      // A query the log refuses is an error answer, not an empty stream that looks like "no events".
      await assert.rejects(new DaemonClient(daemonPaths(r.root).socket).json("GET", "/v1/events?last=0"), /limit/);
      const bad = await berth(r, ["events", "--service", "job"], one.workingDir);
      assert.equal(bad.code, 2, describeResult(bad));
      assert.match(bad.stderr, /--service needs -p/);
      const none = await berth(r, ["rollout", "status", "-p", "nosuch"], one.workingDir);
      assert.equal(none.code, 3, describeResult(none));
      assert.match(none.stderr, /stack nosuch: no such stack/);
    } finally {
      for (const p of [one, two]) await berth(r, ["down", "-t", "1"], p.workingDir);
      await berth(r, ["daemon", "stop"], one.workingDir);
    }
    await r.assertGone("evone");
    await r.assertGone("evtwo");
  });
});
