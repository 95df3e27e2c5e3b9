import { describe, it, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { lstat, mkdir, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { ContentStore } from "../../content/index.js";
import { SnapshotStore } from "../../image/index.js";
import { digestOf, isBerthError, type Digest } from "../../oci/index.js";
import { commitStep } from "./commit-step.js";

const isRoot = process.getuid?.() === 0;

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "berth-commit-"));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** An upper dir with one file, every mtime fixed, so two of them give the same layer. */
async function upper(dir: string, name: string, text = "same\n"): Promise<string> {
  const path = join(dir, name);
  await mkdir(join(path, "etc"), { recursive: true });
  await writeFile(join(path, "etc", "conf"), text);
  await utimes(join(path, "etc", "conf"), 1_600_000_000, 1_600_000_000);
  await utimes(join(path, "etc"), 1_600_000_000, 1_600_000_000);
  return path;
}

async function overlayStore(t: TestContext, dir: string): Promise<SnapshotStore | undefined> {
  if (!isRoot) {
    t.skip("needs root: an overlay-format snapshot store (0/0 whiteouts, trusted xattrs)");
    return undefined;
  }
  return SnapshotStore.open(join(dir, "snapshots"), { format: "overlay" });
}

describe("commitStep", () => {
  it("writes the layer, then renames the upper dir into the snapshot of the new ChainID", async (t) => {
    await withDir(async (dir) => {
      const snapshots = await overlayStore(t, dir);
      if (!snapshots) return;
      const content = new ContentStore(join(dir, "content"));
      const base = await upper(dir, "u0", "base\n");
      const first = await commitStep({ upperDir: base, snapshots, parentChainId: undefined, ingester: content });
      assert.equal(first.chainId, first.layer.diffId, "a base layer's ChainID is its diffID");
      const up = await upper(dir, "u1");
      const inode = (await stat(join(up, "etc", "conf"))).ino;
      const c = await commitStep({ upperDir: up, snapshots, parentChainId: first.chainId, ingester: content });
      assert.equal(c.chainId, digestOf(`${first.chainId} ${c.layer.diffId}`));
      const tar = gunzipSync(await content.readBytes(c.layer.descriptor.digest));
      assert.equal(`sha256:${createHash("sha256").update(tar).digest("hex")}` as Digest, c.layer.diffId);
      assert.deepEqual(c.snapshot, { chainId: c.chainId, parent: first.chainId, diffId: c.layer.diffId, size: tar.length, format: "overlay", opaqueDirs: [] });
      assert.deepEqual(await snapshots.info(c.chainId), c.snapshot);
      const moved = join(snapshots.fsDir(c.chainId), "etc", "conf");
      assert.equal((await stat(moved)).ino, inode, "renamed, not copied");
      assert.equal(await readFile(moved, "utf8"), "same\n");
      await assert.rejects(lstat(up), { code: "ENOENT" });
      assert.deepEqual(await snapshots.lowerDirs(c.chainId), [snapshots.fsDir(c.chainId), snapshots.fsDir(first.chainId)]);
    });
  });

  it("discards the upper dir when the same diff was committed on the same parent before", async (t) => {
    await withDir(async (dir) => {
      const snapshots = await overlayStore(t, dir);
      if (!snapshots) return;
      const content = new ContentStore(join(dir, "content"));
      const a = await commitStep({ upperDir: await upper(dir, "a"), snapshots, parentChainId: undefined, ingester: content });
      const again = await upper(dir, "b");
      const b = await commitStep({ upperDir: again, snapshots, parentChainId: undefined, ingester: content });
      assert.equal(b.chainId, a.chainId);
      assert.deepEqual(b.snapshot, a.snapshot);
      await assert.rejects(lstat(again), { code: "ENOENT" });
      assert.equal((await snapshots.list()).length, 1);
      assert.deepEqual((await readdir(snapshots.dir)).filter((n) => n.startsWith(".tmp-") || n.startsWith(".rm-")), []);
    });
  });

  it("records opaque dirs and clamps mtimes to the epoch in the layer only", async (t) => {
    await withDir(async (dir) => {
      const snapshots = await overlayStore(t, dir);
      if (!snapshots) return;
      const up = await upper(dir, "u");
      await mkdir(join(up, "var", "cache"), { recursive: true });
      const { spawnSync } = await import("node:child_process");
      assert.equal(spawnSync("setfattr", ["-n", "trusted.overlay.opaque", "-v", "y", join(up, "var", "cache")]).status, 0);
      const c = await commitStep({ upperDir: up, snapshots, parentChainId: undefined, ingester: new ContentStore(join(dir, "content")), epochSeconds: 1_000 });
      assert.deepEqual(c.snapshot.opaqueDirs, ["var/cache"]);
      assert.equal((await stat(join(snapshots.fsDir(c.chainId), "etc", "conf"))).mtimeMs, 1_600_000_000_000, "the snapshot's files keep their times");
    });
  });

  it("refuses a marker-format store and leaves the upper dir alone", async () => {
    await withDir(async (dir) => {
      const snapshots = await SnapshotStore.open(join(dir, "snapshots"), { format: "marker" });
      const up = await upper(dir, "u");
      await assert.rejects(commitStep({ upperDir: up, snapshots, parentChainId: undefined, ingester: new ContentStore(join(dir, "content")) }),
        (e: unknown) => isBerthError(e, "FAILED_PRECONDITION") && /marker format/.test(e.message));
      assert.equal(await readFile(join(up, "etc", "conf"), "utf8"), "same\n");
    });
  });

  it("refuses a parent that is not stored, keeping the upper dir", async (t) => {
    await withDir(async (dir) => {
      const snapshots = await overlayStore(t, dir);
      if (!snapshots) return;
      const up = await upper(dir, "u");
      const ghost = digestOf("no such snapshot");
      await assert.rejects(commitStep({ upperDir: up, snapshots, parentChainId: ghost, ingester: new ContentStore(join(dir, "content")) }),
        (e: unknown) => isBerthError(e, "NOT_FOUND"));
      assert.equal(await readFile(join(up, "etc", "conf"), "utf8"), "same\n");
    });
  });
});
