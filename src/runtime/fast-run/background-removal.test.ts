import assert from "node:assert/strict";
import { access, mkdir, mkdtemp, readdir, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ImageStore } from "../../image/index.js";
import { selfIdentity } from "../process-identity.js";
import { RuntimeContext } from "../runtime-context.js";
import { finishAbandonedRemovals, removeInBackground, removingDir } from "./background-removal.js";

// Containers' directories as an ended run leaves them, without runc or a mount (no root needed):
// runc is /bin/true here, which "deletes" anything; nothing is mounted, so the unmount finds nothing.
let n = 0;
const exists = (p: string): Promise<boolean> => access(p).then(() => true, () => false);

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`not within 10 s: ${what}`);
}

describe("background removal", () => {
  let root = "";
  let ctx: RuntimeContext;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), "berth-bg-rm-"));
    ctx = new RuntimeContext(new ImageStore(root), { runtimeBinary: "/bin/true" });
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  const nextId = (): string => (n++).toString(16).padStart(64, "0");
  /** A container directory with what an ended run leaves in it. */
  const ended = async (id = nextId(), where = ctx.dir(id)): Promise<string> => {
    await mkdir(join(where, "upper", "etc"), { recursive: true });
    await mkdir(join(where, "exits"), { recursive: true });
    await writeFile(join(where, "container.json"), "{}");
    await writeFile(join(where, "state.lock"), String(process.pid));
    await writeFile(join(where, "upper", "etc", "changed"), "x");
    return id;
  };

  it("takes the container out of sight at once, and its directory goes away in the background", async () => {
    const id = await ended();
    assert.equal(await removeInBackground(ctx, { id }), true);
    assert.equal(await exists(ctx.dir(id)), false);
    assert.ok(!(await ctx.ids()).includes(id));
    await until("the directory deleted", async () => !(await exists(join(removingDir(ctx), id))));
  });

  it("finishes a removal whose remover is gone, and one that has taken too long", async () => {
    const dead = nextId();
    const deadDir = join(removingDir(ctx), dead);
    await ended(dead, deadDir);
    await writeFile(join(deadDir, "remover.json"), JSON.stringify({ pid: 2 ** 22 + 1, startTime: "1" }));
    const slow = nextId();
    const slowDir = join(removingDir(ctx), slow);
    await ended(slow, slowDir);
    await writeFile(join(slowDir, "remover.json"), JSON.stringify(await selfIdentity()));
    const long = new Date(Date.now() - 10 * 60_000);
    await utimes(join(slowDir, "remover.json"), long, long);
    const noFile = nextId();
    await ended(noFile, join(removingDir(ctx), noFile));
    await finishAbandonedRemovals(ctx);
    assert.deepEqual((await readdir(removingDir(ctx))).filter((e) => [dead, slow, noFile].includes(e)), []);
  });

  it("leaves alone a removal its live remover has just begun", async () => {
    const id = nextId();
    const dir = join(removingDir(ctx), id);
    await ended(id, dir);
    await writeFile(join(dir, "remover.json"), JSON.stringify(await selfIdentity()));
    await finishAbandonedRemovals(ctx);
    assert.equal(await exists(dir), true);
    await rm(dir, { recursive: true });
  });

  it("is cheap and quiet when there is nothing to finish", async () => {
    const empty = new RuntimeContext(new ImageStore(join(root, "none")), { runtimeBinary: "/bin/true" });
    await finishAbandonedRemovals(empty);
  });
});
