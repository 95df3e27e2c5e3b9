// ContainerRuntime.rename, which start-first updates use to keep the old container aside: the name index and
// the record change together, a taken or invalid name is refused, and a rename cut short by a crash holds one name.
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { isBerthError } from "../../../src/oci/index.js";
import { NameInUseError } from "../../../src/runtime/index.js";
import { IMAGE, useStackRoot } from "./stack-fixture.js";

describe("ContainerRuntime.rename", () => {
  const stackRoot = useStackRoot();

  it("renames a running container: the new name resolves, the old one is free, labels and id stay", async (t) => {
    const r = stackRoot(t);
    if (!r) return;
    const { record } = await r.runtime.run(IMAGE, { name: "ren-a", network: "none", cmd: ["/bin/busybox", "sleep", "60"], init: true, labels: { keep: "me" } });
    try {
      const renamed = await r.runtime.rename("ren-a", "ren-a-old-0123456789ab");
      assert.deepEqual([renamed.id, renamed.name, renamed.labels?.keep], [record.id, "ren-a-old-0123456789ab", "me"]);
      assert.equal((await r.runtime.resolve("ren-a-old-0123456789ab")).id, record.id);
      await assert.rejects(r.runtime.resolve("ren-a"), (e: unknown) => isBerthError(e, "NOT_FOUND"));
      const list = await r.runtime.list();
      assert.deepEqual(list.filter((c) => c.record.id === record.id).map((c) => [c.record.name, c.state.status]), [["ren-a-old-0123456789ab", "running"]]);
      // The old name is free for a new container at once: what a start-first update needs.
      const second = await r.runtime.create(IMAGE, { name: "ren-a", network: "none" });
      assert.equal((await r.runtime.resolve("ren-a")).id, second.id);
      assert.equal((await r.runtime.rename(record, "ren-a-old-0123456789ab")).name, "ren-a-old-0123456789ab", "renaming to its own name is a no-op");
      await assert.rejects(r.runtime.rename(renamed, "ren-a"), (e: unknown) => e instanceof NameInUseError && e.code === "ALREADY_EXISTS");
      await r.runtime.remove(second, { force: true });
      assert.equal((await r.runtime.rename(renamed, "ren-a")).name, "ren-a", "and back");
    } finally {
      await r.runtime.remove(record.id, { force: true }).catch(() => undefined);
    }
    await assert.rejects(r.runtime.resolve("ren-a"), (e: unknown) => isBerthError(e, "NOT_FOUND"));
  });

  it("refuses hostile names and leaves the container as it was", async (t) => {
    const r = stackRoot(t);
    if (!r) return;
    const c = await r.runtime.create(IMAGE, { name: "ren-b", network: "none" });
    try {
      for (const bad of ["", "../escape", "a/b", "-lead", ".hidden", "x".repeat(129), "sp ace", "nul\u0000"]) {
        await assert.rejects(r.runtime.rename(c, bad), (e: unknown) => isBerthError(e, "INVALID_ARGUMENT"), `accepted ${JSON.stringify(bad)}`);
      }
      assert.equal((await r.runtime.resolve("ren-b")).id, c.id);
      assert.equal((await r.runtime.resolve(c.id)).name, "ren-b");
    } finally {
      await r.runtime.remove(c, { force: true });
    }
  });

  it("a rename cut short after the claim or after the record holds exactly one name", async (t) => {
    const r = stackRoot(t);
    if (!r) return;
    const c = await r.runtime.create(IMAGE, { name: "ren-c", network: "none" });
    const names = join(r.runtime.ctx.root, "containers", "names");
    try {
      // Crash after the claim, before the record: the claim names a container whose record says otherwise.
      await writeFile(join(names, "ren-c2"), JSON.stringify({ id: c.id }));
      await assert.rejects(r.runtime.resolve("ren-c2"), (e: unknown) => isBerthError(e, "NOT_FOUND"));
      assert.equal((await r.runtime.resolve("ren-c")).id, c.id);
      const other = await r.runtime.create(IMAGE, { name: "ren-c2", network: "none" });
      assert.equal((await r.runtime.resolve("ren-c2")).id, other.id, "the stale claim was taken over");
      await r.runtime.remove(other, { force: true });
      // Crash after the record, before the old name was freed: the new name holds, the old claim is stale.
      await r.runtime.rename(c, "ren-c3");
      await writeFile(join(names, "ren-c"), JSON.stringify({ id: c.id }));
      await assert.rejects(r.runtime.resolve("ren-c"), (e: unknown) => isBerthError(e, "NOT_FOUND"));
      assert.equal((await r.runtime.resolve("ren-c3")).id, c.id);
      assert.equal((await r.runtime.rename(c, "ren-c")).name, "ren-c", "the stale claim does not block taking the name back");
    } finally {
      await r.runtime.remove(c.id, { force: true }).catch(() => undefined);
    }
  });
});
