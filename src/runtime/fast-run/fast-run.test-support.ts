import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before } from "node:test";
import { ImageStore } from "../../image/index.js";
import type { ContainerRecord } from "../container-record.js";
import type { ContainerState } from "../container-state.js";
import { selfIdentity } from "../process-identity.js";
import { RuntimeContext } from "../runtime-context.js";

/** The run id every container of {@link fastRunFixture} was started with. */
export const RUN = "0123456789abcdef";

/** A context on a temp root, and containers "running" in it. */
export interface FastRunFixture {
  /** The context; set once the suite's `before` ran. */
  readonly ctx: () => RuntimeContext;
  /** A container "running" under this test process (alive), with its exits dir, as start leaves it. */
  running(state?: Partial<ContainerState>, name?: string): Promise<ContainerRecord>;
}

/**
 * For a describe block: a container's files as conmon and start leave them, without runc or a
 * mount (no root needed), so that a run's end is told by the files alone. runc is /bin/true
 * here, which "deletes" anything. The temp root goes in the suite's `after`.
 */
export function fastRunFixture(): FastRunFixture {
  let root = "";
  let ctx: RuntimeContext | undefined;
  let n = 0;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), "berth-run-end-"));
    ctx = new RuntimeContext(new ImageStore(root), { runtimeBinary: "/bin/true" });
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });
  const context = (): RuntimeContext => {
    if (ctx === undefined) throw new Error("fastRunFixture: used before the suite's before hook");
    return ctx;
  };
  return {
    ctx: context,
    async running(state = {}, name) {
      const c = context();
      const id = (n++).toString(16).padStart(64, "0");
      const dir = c.dir(id);
      await mkdir(join(dir, "exits"), { recursive: true });
      const record = { id, image: "img", imageId: "sha256:0", imageConfig: {}, lowerDirs: [], created: new Date().toISOString(), options: {}, autoRemove: true, ...(name !== undefined && { name }) };
      await writeFile(join(dir, "container.json"), JSON.stringify(record));
      await writeFile(join(dir, "state.json"), JSON.stringify({ status: "running", restartCount: 0, runId: RUN, monitor: await selfIdentity(), ...state }));
      if (name !== undefined) await c.names.claim(name, id);
      return record as ContainerRecord;
    },
  };
}
