import assert from "node:assert/strict";
import { access, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ImageStore } from "../../image/index.js";
import type { ContainerRecord } from "../container-record.js";
import type { ContainerState } from "../container-state.js";
import { selfIdentity } from "../process-identity.js";
import { RuntimeContext } from "../runtime-context.js";
import { removeExitedRun } from "./remove-exited-run.js";

// A container's files as conmon and start leave them, without runc or a mount (no root needed):
// the run's end is told by the files alone. runc is /bin/true here, which "deletes" anything.
const RUN = "0123456789abcdef";
let n = 0;

describe("removeExitedRun", () => {
  let root = "";
  let ctx: RuntimeContext;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), "berth-run-end-"));
    ctx = new RuntimeContext(new ImageStore(root), { runtimeBinary: "/bin/true" });
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  /** A container "running" under this test process (alive), with its exits dir, as start leaves it. */
  const running = async (state: Partial<ContainerState> = {}, name?: string): Promise<ContainerRecord> => {
    const id = (n++).toString(16).padStart(64, "0");
    const dir = ctx.dir(id);
    await mkdir(join(dir, "exits"), { recursive: true });
    const record = { id, image: "img", imageId: "sha256:0", imageConfig: {}, lowerDirs: [], created: new Date().toISOString(), options: {}, autoRemove: true, ...(name !== undefined && { name }) };
    await writeFile(join(dir, "container.json"), JSON.stringify(record));
    await writeFile(join(dir, "state.json"), JSON.stringify({ status: "running", restartCount: 0, runId: RUN, monitor: await selfIdentity(), ...state }));
    if (name !== undefined) await ctx.names.claim(name, id);
    return record as ContainerRecord;
  };
  const exists = (p: string): Promise<boolean> => access(p).then(() => true, () => false);

  it("gives the exit file's code and leaves nothing: directory, name", async () => {
    const c = await running({}, "rm-me");
    await writeFile(ctx.exitFile(c.id), "3\n");
    assert.equal(await removeExitedRun(ctx, c), 3);
    assert.equal(await exists(ctx.dir(c.id)), false);
    assert.equal(await ctx.names.lookup("rm-me"), undefined);
  });

  it("takes the code another process settled (a ps came first)", async () => {
    const c = await running({ status: "exited", exitCode: 5 });
    assert.equal(await removeExitedRun(ctx, c), 5);
    assert.equal(await exists(ctx.dir(c.id)), false);
  });

  it("of a container removed meanwhile gives the exit file's code, else 0", async () => {
    const c = await running();
    await rm(ctx.dir(c.id), { recursive: true });
    assert.equal(await removeExitedRun(ctx, c), 0);
  });

  it("ignores an exit file that is not a number", async () => {
    const c = await running({ status: "exited", exitCode: 7 });
    await writeFile(ctx.exitFile(c.id), "../../etc/passwd");
    assert.equal(await removeExitedRun(ctx, c), 7);
  });

  it("of a run that ended without an exit file (its monitor killed) goes the usual way: 255, and removed", async () => {
    const c = await running({ monitor: { pid: 2 ** 22 + 1, startTime: "1" } });
    assert.equal(await removeExitedRun(ctx, c), 255);
    assert.equal(await exists(ctx.dir(c.id)), false);
  });
});
