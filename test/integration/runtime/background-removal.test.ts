import assert from "node:assert/strict";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { describeResult, run, type RunResult } from "../../support/run.js";
import { mountsUnder } from "../../support/unmount.js";
import { assertClean, berthRun, RUN_CLI, useRuntimeFixture, type RuntimeFixture } from "./runtime-fixture.js";

const berth = (fx: RuntimeFixture, args: readonly string[]): Promise<RunResult> => run(process.execPath, [RUN_CLI, "--root", fx.root, ...args], { timeoutMs: 60_000 });

// The end of a foreground `run --rm`: out of sight at once, runc state, mount and directory taken
// apart in the background after berth has returned (real runc, conmon and overlayfs).
describe("run --rm: removal in the background (runc, as root)", () => {
  const fixture = useRuntimeFixture();

  it("when run returns, ps -a no longer shows the container and its name is free at once", async (t) => {
    const fx = await fixture(t);
    if (!fx) return;
    for (let i = 0; i < 3; i++) {
      const r = await berthRun(fx, ["--rm", "--name", "again", "--network", "none", "localhost/busybox:t1", "/bin/sh", "-c", `echo run ${i}; exit ${i}`]);
      assert.equal(r.code, i, describeResult(r));
      assert.equal(r.stdout, `run ${i}\n`);
      const ps = await berth(fx, ["ps", "-a", "-q"]);
      assert.equal(ps.stdout, "", describeResult(ps));
    }
    await assertClean(fx);
  });

  it("a removal whose remover was killed (its rootfs still mounted) is finished by the next ps", async (t) => {
    const fx = await fixture(t);
    if (!fx) return;
    const created = await berth(fx, ["create", "--network", "none", "localhost/busybox:t1", "/bin/true"]);
    assert.equal(created.code, 0, describeResult(created));
    const id = created.stdout.trim();
    const record = JSON.parse(await readFile(join(fx.root, "containers", id, "container.json"), "utf8")) as { lowerDirs: string[] };
    // As removeInBackground leaves it when its remover dies at once: renamed, rootfs mounted, remover gone.
    const dir = join(fx.root, "containers", ".removing", id);
    await mkdir(join(fx.root, "containers", ".removing"), { recursive: true });
    await rename(join(fx.root, "containers", id), dir);
    await Promise.all(["upper", "work", "rootfs"].map((d) => mkdir(join(dir, d), { recursive: true })));
    const mounted = await run("mount", ["-t", "overlay", "overlay", "-o", `lowerdir=${record.lowerDirs.join(":")},upperdir=${dir}/upper,workdir=${dir}/work`, join(dir, "rootfs")], { timeoutMs: 30_000 });
    assert.equal(mounted.code, 0, describeResult(mounted));
    await writeFile(join(dir, "remover.json"), JSON.stringify({ pid: 2 ** 22 + 1, startTime: "1" }));
    assert.equal((await mountsUnder(join(fx.root, "containers"))).length, 1);
    const ps = await berth(fx, ["ps", "-a", "-q"]);
    assert.equal(ps.stdout, "", describeResult(ps));
    assert.deepEqual(await mountsUnder(join(fx.root, "containers")), []);
    await assertClean(fx);
  });
});
