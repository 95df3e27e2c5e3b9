// Autoscaling through the daemon with real containers: a replica made to burn CPU scales the service up
// (x-berth.autoscale, from cgroup usage the daemon samples), and when the load stops it scales back down
// after the cool-down. Bounded: at most a few minutes, replicas between min and max.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { observeStack } from "../../../src/orchestrator/index.js";
import { describeResult } from "../../support/run.js";
import { berth, premakeDefaultNetwork } from "./daemon-fixture.js";
import { eventually, IMAGE, useStackRoot, type StackRoot } from "../orchestrator/stack-fixture.js";

// Spins while /tmp/burn exists (`berth exec … touch /tmp/burn`), else sleeps.
const BURNER = `["/bin/sh", "-c", "while true; do if [ -e /tmp/burn ]; then i=0; while [ $$i -lt 20000 ]; do i=$$((i+1)); done; else sleep 0.2; fi; done"]`;

const running = async (r: StackRoot, project: string): Promise<string[]> =>
  (await observeStack(r.runtime, project)).filter((x) => x.summary.state.status === "running").map((x) => x.summary.record.name ?? "").sort();

describe("autoscaling (daemon, real containers)", () => {
  const stackRoot = useStackRoot();

  it("scales up under CPU load and back down after the cool-down", { timeout: 300_000 }, async (t) => {
    const r = stackRoot(t);
    if (!r) return;
    const project = await r.project("as", `name: as
services:
  burn:
    image: ${IMAGE}
    init: true
    command: ${BURNER}
    deploy:
      resources: {limits: {cpus: "0.5"}}
    x-berth:
      autoscale: {min: 1, max: 3, cpu: 20%, cooldown: 10s}
networks:
  default:
    ipam: {config: [{subnet: \${SUBNET}}]}
`);
    await premakeDefaultNetwork(r, project);
    try {
      const up = await berth(r, ["up", "-d"], project.workingDir);
      assert.equal(up.code, 0, describeResult(up));
      assert.deepEqual(await running(r, "as"), ["as-burn-1"]);
      const burn = await berth(r, ["exec", "as-burn-1", "/bin/busybox", "touch", "/tmp/burn"], project.workingDir);
      assert.equal(burn.code, 0, describeResult(burn));
      const scaledUp = await eventually("more than one replica under load", async () => ((await running(r, "as")).length > 1 ? running(r, "as") : undefined), 120_000);
      t.diagnostic(`under load: ${scaledUp.join(", ")}`);
      assert.ok(scaledUp.length <= 3, "over max");
      const events = await berth(r, ["events", "--format", "json", "-p", "as", "--service", "burn"], project.workingDir);
      assert.match(events.stdout, /autoscaled 1 → [23]/);

      const calm = await berth(r, ["exec", "as-burn-1", "/bin/busybox", "rm", "/tmp/burn"], project.workingDir);
      assert.equal(calm.code, 0, describeResult(calm));
      await eventually("back to one replica after the cool-down", async () => (await running(r, "as")).length === 1, 150_000);
      const ls = await berth(r, ["service", "ls"], project.workingDir);
      assert.match(ls.stdout, /\nburn\s+1\/1\s/);
    } finally {
      await berth(r, ["down", "-t", "1"], project.workingDir);
    }
  });
});
