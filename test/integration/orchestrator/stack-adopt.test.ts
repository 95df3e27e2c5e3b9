// A daemon started again adopts the stacks stored by the one before: it reads their files again as `up` did.
import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { OrchestratorState, StackSupervisor } from "../../../src/orchestrator/index.js";
import { IMAGE, useStackRoot } from "./stack-fixture.js";

const YAML = `name: prof
services:
  app:
    image: ${IMAGE}
    init: true
    command: ["/bin/busybox", "sleep", "3600"]
    network_mode: none
  tool:
    image: ${IMAGE}
    init: true
    profiles: [debug]
    command: ["/bin/busybox", "sleep", "3600"]
    network_mode: none
`;

const TWO_TOOLS = `name: tools
services:
  toola:
    image: ${IMAGE}
    init: true
    profiles: [debug]
    command: ["/bin/busybox", "sleep", "3600"]
    network_mode: none
  toolb:
    image: ${IMAGE}
    init: true
    profiles: [debug]
    command: ["/bin/busybox", "sleep", "3600"]
    network_mode: none
`;

/** `up SERVICE…` of the project the fixture wrote in `<tmp>/<project>/compose.yaml`, no profile active. */
const upIn = (sup: StackSupervisor, tmp: string, project: string) => (services: string[]): Promise<unknown> =>
  sup.up({ files: [join(tmp, project, "compose.yaml")], workingDir: join(tmp, project), projectName: project, profiles: [], env: {}, services, timeoutS: 1 });

describe("StackSupervisor.start adopts stored stacks", () => {
  const stackRoot = useStackRoot();

  it("after up of a service whose profile is not enabled, the next daemon still keeps the stack", async (t) => {
    const r = stackRoot(t);
    if (!r) return;
    await r.project("prof", YAML);
    using state = OrchestratorState.open(join(r.fx.tmp.path, "state.db"));
    const first = new StackSupervisor({ engine: r.engine(), state, intervalMs: 60_000 });
    await upIn(first, r.fx.tmp.path, "prof")(["tool"]);
    assert.deepEqual(Object.keys(await r.ids("prof")), ["prof-tool-1"]);

    const next = new StackSupervisor({ engine: r.engine(), state, intervalMs: 60_000 });
    await next.start();
    try {
      const kept = next.get("prof");
      assert.ok(kept?.project !== undefined && kept.plan !== undefined, `the stack is not reconciled: ${JSON.stringify(state.events().map((e) => e.detail))}`);
      assert.ok(kept.project.services["tool"], "the service up enabled is not in the adopted project");
      await next.passOnce();
      assert.deepEqual(Object.keys(await r.ids("prof")), ["prof-tool-1"], "the pass changed the stack");
    } finally {
      await next.stop();
    }
    await r.engine().down("prof", { timeoutS: 1, volumes: true });
    await r.assertGone("prof");
  });

  it("up of one profiled service, then of another: the next daemon keeps both", async (t) => {
    const r = stackRoot(t);
    if (!r) return;
    await r.project("tools", TWO_TOOLS);
    using state = OrchestratorState.open(join(r.fx.tmp.path, "state-tools.db"));
    const first = new StackSupervisor({ engine: r.engine(), state, intervalMs: 60_000 });
    const up = upIn(first, r.fx.tmp.path, "tools");
    await up(["toola"]);
    const toola = (await r.ids("tools"))["tools-toola-1"];
    await up(["toolb"]);
    const both = await r.ids("tools");
    assert.deepEqual(Object.keys(both).sort(), ["tools-toola-1", "tools-toolb-1"]);
    assert.equal(both["tools-toola-1"], toola, "the second up recreated the service the first enabled");
    assert.deepEqual(state.getStack("tools")?.enable, ["toola", "toolb"]);

    const next = new StackSupervisor({ engine: r.engine(), state, intervalMs: 60_000 });
    await next.start();
    try {
      const kept = next.get("tools");
      assert.deepEqual(Object.keys(kept?.project?.services ?? {}).sort(), ["toola", "toolb"], "a service the first up enabled is not in the adopted project");
      await next.passOnce();
      assert.deepEqual(Object.keys(await r.ids("tools")).sort(), ["tools-toola-1", "tools-toolb-1"], "the pass changed the stack");
    } finally {
      await next.stop();
    }
    await r.engine().down("tools", { timeoutS: 1, volumes: true });
    await r.assertGone("tools");
  });

  it("two ups of one profiled service each, at once: both kept", async (t) => {
    const r = stackRoot(t);
    if (!r) return;
    await r.project("tools2", TWO_TOOLS.replace("name: tools", "name: tools2"));
    using state = OrchestratorState.open(join(r.fx.tmp.path, "state-tools2.db"));
    const sup = new StackSupervisor({ engine: r.engine(), state, intervalMs: 60_000 });
    const up = upIn(sup, r.fx.tmp.path, "tools2");
    await Promise.all([up(["toola"]), up(["toolb"])]);
    assert.deepEqual([...(state.getStack("tools2")?.enable ?? [])].sort(), ["toola", "toolb"], "one up's service was lost to the other's");
    assert.deepEqual(Object.keys(sup.get("tools2")?.project?.services ?? {}).sort(), ["toola", "toolb"]);
    await r.engine().down("tools2", { timeoutS: 1, volumes: true });
    await r.assertGone("tools2");
  });
});
