// A published port the daemon cannot bind fails `berth up` (exit 1, naming the port), as docker compose's
// "port is already allocated" does, instead of a silent success; the stack is kept and the port bound once free.
import assert from "node:assert/strict";
import { createServer, type Server } from "node:net";
import { describe, it } from "node:test";
import { describeResult } from "../../support/run.js";
import { eventually, IMAGE, useStackRoot } from "../orchestrator/stack-fixture.js";
import { berth, premakeDefaultNetwork } from "./daemon-fixture.js";

const listen = (server: Server): Promise<number> => new Promise((resolve, reject) => {
  server.once("error", reject);
  server.listen(0, "127.0.0.1", () => resolve((server.address() as { port: number }).port));
});

describe("berth up with a published port that is taken", () => {
  const stackRoot = useStackRoot();

  it("fails naming the port; the daemon binds it once it is free", async (t) => {
    const r = stackRoot(t);
    if (!r) return;
    const holder = createServer();
    const port = await listen(holder);
    let held = true;
    const project = await r.project("taken", `name: taken
services:
  web:
    image: ${IMAGE}
    init: true
    command: ["/bin/busybox", "sleep", "3600"]
    ports: ["127.0.0.1:${port}:80"]
networks:
  default:
    ipam: {config: [{subnet: \${SUBNET}}]}
`);
    try {
      await premakeDefaultNetwork(r, project);
      const up = await berth(r, ["up", "-d"], project.workingDir);
      assert.equal(up.code, 1, describeResult(up));
      assert.match(up.stderr, new RegExp(`web: .*127\\.0\\.0\\.1:${port}: EADDRINUSE`), describeResult(up));
      await new Promise((resolve) => holder.close(resolve));
      held = false;
      await eventually(`port ${port} published`, async () => (await berth(r, ["service", "ls"], project.workingDir)).stdout.includes(`127.0.0.1:${port}->80/tcp`));
      const again = await berth(r, ["up", "-d"], project.workingDir);
      assert.equal(again.code, 0, describeResult(again));
    } finally {
      if (held) holder.close();
      await berth(r, ["down", "-t", "1"], project.workingDir);
      await berth(r, ["daemon", "stop"], project.workingDir);
    }
    await r.assertGone("taken");
  });
});
