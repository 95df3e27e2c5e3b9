// berth down -p NAME from another directory reads no file: every container labelled for the project goes,
// those of services the file no longer has included (its help says so), and the network with them.
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { describeResult } from "../../support/run.js";
import { berth } from "../api/daemon-fixture.js";
import { IMAGE, useStackRoot } from "./stack-fixture.js";

const service = `
    image: ${IMAGE}
    init: true
    command: ["/bin/busybox", "sleep", "3600"]
    network_mode: none`;

describe("down -p NAME", () => {
  const stackRoot = useStackRoot();

  it("removes the containers of services no longer in the file too", async (t) => {
    const r = stackRoot(t);
    if (!r) return;
    const project = await r.project("orph", `name: orph\nservices:\n  a:${service}\n  gone:${service}\n`);
    try {
      const up = await berth(r, ["up", "-d"], project.workingDir);
      assert.equal(up.code, 0, describeResult(up));
      await writeFile(join(project.workingDir, "compose.yaml"), `name: orph\nservices:\n  a:${service}\n`);
      const again = await berth(r, ["up", "-d"], project.workingDir);
      assert.equal(again.code, 0, describeResult(again));
      assert.match(again.stderr, /orphan containers \(orph-gone-1\)/);
      const down = await berth(r, ["down", "-p", "orph", "-t", "1"], r.fx.tmp.path);
      assert.equal(down.code, 0, describeResult(down));
      assert.deepEqual((await r.containers("orph")).map((c) => c.record.name), [], describeResult(down));
    } finally {
      await berth(r, ["down", "-p", "orph", "--remove-orphans", "-t", "1"], r.fx.tmp.path);
      await berth(r, ["daemon", "stop"], r.fx.tmp.path);
    }
    await r.assertGone("orph");
  });
});
