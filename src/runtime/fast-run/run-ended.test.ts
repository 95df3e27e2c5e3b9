import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ImageStore } from "../../image/index.js";
import type { ContainerRecord } from "../container-record.js";
import type { ContainerState } from "../container-state.js";
import { selfIdentity } from "../process-identity.js";
import { RuntimeContext } from "../runtime-context.js";
import { runEnded } from "./run-ended.js";

// A container's files as conmon and start leave them, without runc or a mount (no root needed):
// the run's end is told by the files alone. runc is /bin/true here, which "deletes" anything.
const RUN = "0123456789abcdef";
let n = 0;

describe("runEnded", () => {
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

  it("waits while the run goes on and wakes as soon as conmon writes the exit file", async () => {
    const c = await running();
    let ended = false;
    const waiting = runEnded(ctx, c).then(() => (ended = true));
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(ended, false);
    const written = Date.now();
    await writeFile(ctx.exitFile(c.id), "3");
    await waiting;
    // inotify, not the one-second look.
    assert.ok(Date.now() - written < 900, `woke after ${Date.now() - written} ms`);
  });

  it("ends for a run settled elsewhere, a monitor that died without an exit file, a container removed", async () => {
    const settled = await running({ status: "exited", exitCode: 0 });
    await runEnded(ctx, settled);
    const dead = await running({ monitor: { pid: 2 ** 22 + 1, startTime: "1" } });
    await runEnded(ctx, dead);
    const gone = await running();
    await rm(ctx.dir(gone.id), { recursive: true });
    await runEnded(ctx, gone);
  });

  it("rejects when its signal aborts", async () => {
    const c = await running();
    await assert.rejects(runEnded(ctx, c, AbortSignal.timeout(100)), { name: "TimeoutError" });
  });
});
