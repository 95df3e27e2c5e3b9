import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { treeSize } from "./tree-size.js";

test("treeSize: counts regular files and bytes, does not follow symlinks out of the tree, bounded", async () => {
  const dir = await mkdtemp(join(tmpdir(), "bench-tree-"));
  try {
    const outside = join(dir, "outside");
    const root = join(dir, "root");
    await mkdir(join(root, "a", "b"), { recursive: true });
    await mkdir(outside);
    await writeFile(join(outside, "big"), Buffer.alloc(100_000));
    await writeFile(join(root, "one"), "12345");
    await writeFile(join(root, "a", "b", "two"), Buffer.alloc(1000));
    await symlink(outside, join(root, "a", "escape"));
    await symlink(join(outside, "big"), join(root, "link-to-big"));
    assert.deepEqual(await treeSize(root), { files: 2, bytes: 1005, dirs: 3 });
    await assert.rejects(treeSize(root, { maxEntries: 3 }), /more than 3 entries/);
    await assert.rejects(treeSize(join(dir, "missing")), /ENOENT/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
