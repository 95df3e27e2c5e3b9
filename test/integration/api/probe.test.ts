// Health checks berth runs from the host (x-berth.probe): an HTTP GET and a TCP connect on the replica's
// address gate readiness with no program in the image; a probe that fails makes the replica unhealthy,
// and the daemon replaces it.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { observeStack } from "../../../src/orchestrator/index.js";
import { describeResult } from "../../support/run.js";
import { berth, premakeDefaultNetwork } from "./daemon-fixture.js";
import { eventually, IMAGE, useStackRoot } from "../orchestrator/stack-fixture.js";

const HTTPD = `["/bin/sh", "-c", "mkdir -p /www && echo ok > /www/healthz && exec httpd -f -p 80 -h /www"]`;

describe("x-berth.probe (daemon, real containers)", () => {
  const stackRoot = useStackRoot();

  it("HTTP and TCP probes from the host gate health; a failing one gets the replica replaced", { timeout: 300_000 }, async (t) => {
    const r = stackRoot(t);
    if (!r) return;
    const project = await r.project("pr", `name: pr
services:
  web:
    image: ${IMAGE}
    init: true
    command: ${HTTPD}
    restart: always
    healthcheck: {interval: 1s, retries: 2}
    x-berth: {probe: {http: /healthz, port: 80}}
  tcp:
    image: ${IMAGE}
    init: true
    command: ${HTTPD}
    healthcheck: {interval: 1s, retries: 2}
    x-berth: {probe: {tcp: 80}}
  wrong:
    image: ${IMAGE}
    init: true
    command: ${HTTPD}
    healthcheck: {interval: 1s, retries: 2}
    x-berth: {probe: {http: /nosuch, port: 80}}
networks:
  default:
    ipam: {config: [{subnet: \${SUBNET}}]}
`);
    await premakeDefaultNetwork(r, project);
    try {
      const up = await berth(r, ["up", "-d"], project.workingDir);
      assert.equal(up.code, 0, describeResult(up));
      const health = async (service: string): Promise<string | undefined> => (await observeStack(r.runtime, "pr")).find((x) => x.service === service)?.summary.health?.status;
      await eventually("web and tcp healthy by their probes", async () => (await health("web")) === "healthy" && (await health("tcp")) === "healthy", 30_000);
      const inspect = JSON.parse((await berth(r, ["inspect", "pr-web-1"], project.workingDir)).stdout) as { State: { Health?: { Log: { Output: string }[] } } }[];
      assert.match(inspect[0]?.State.Health?.Log.at(-1)?.Output ?? "", /GET http:\/\/[\d.]+:80\/healthz: HTTP 200/);
      const first = (await observeStack(r.runtime, "pr")).find((x) => x.service === "wrong")!.summary.record.id;
      await eventually("the replica whose probe fails is replaced", async () => {
        const now = (await observeStack(r.runtime, "pr")).find((x) => x.service === "wrong");
        return now !== undefined && now.summary.record.id !== first;
      }, 60_000);
      // The replacement's event is written once the new container is made and started, so it can trail
      // the new record the loop above saw.
      let events = "";
      await eventually("the replacement's event is recorded", async () => {
        events = (await berth(r, ["events", "--format", "json", "-p", "pr", "--service", "wrong"], project.workingDir)).stdout;
        return /replaced pr-wrong-1: it is unhealthy/.test(events);
      }, 15_000).catch((e: unknown) => assert.fail(`${String(e)}; events: ${events}`));
    } finally {
      await berth(r, ["down", "-t", "1"], project.workingDir);
    }
  });
});
