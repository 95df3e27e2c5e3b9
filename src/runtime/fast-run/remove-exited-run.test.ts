import assert from "node:assert/strict";
import { access, rm, writeFile } from "node:fs/promises";
import { describe, it } from "node:test";
import { fastRunFixture } from "./fast-run.test-support.js";
import { removeExitedRun } from "./remove-exited-run.js";

describe("removeExitedRun", () => {
  const { ctx, running } = fastRunFixture();
  const exists = (p: string): Promise<boolean> => access(p).then(() => true, () => false);

  it("gives the exit file's code and leaves nothing: directory, name", async () => {
    const c = await running({}, "rm-me");
    await writeFile(ctx().exitFile(c.id), "3\n");
    assert.equal(await removeExitedRun(ctx(), c), 3);
    assert.equal(await exists(ctx().dir(c.id)), false);
    assert.equal(await ctx().names.lookup("rm-me"), undefined);
  });

  it("takes the code another process settled (a ps came first)", async () => {
    const c = await running({ status: "exited", exitCode: 5 });
    assert.equal(await removeExitedRun(ctx(), c), 5);
    assert.equal(await exists(ctx().dir(c.id)), false);
  });

  it("of a container removed meanwhile gives the exit file's code, else 0", async () => {
    const c = await running();
    await rm(ctx().dir(c.id), { recursive: true });
    assert.equal(await removeExitedRun(ctx(), c), 0);
  });

  it("ignores an exit file that is not a number", async () => {
    const c = await running({ status: "exited", exitCode: 7 });
    await writeFile(ctx().exitFile(c.id), "../../etc/passwd");
    assert.equal(await removeExitedRun(ctx(), c), 7);
  });

  it("of a run that ended without an exit file (its monitor killed) goes the usual way: 255, and removed", async () => {
    const c = await running({ monitor: { pid: 2 ** 22 + 1, startTime: "1" } });
    assert.equal(await removeExitedRun(ctx(), c), 255);
    assert.equal(await exists(ctx().dir(c.id)), false);
  });
});
