import assert from "node:assert/strict";
import { mkdir, mkdtemp, readdir, rm, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { PathChangedError } from "./errors.js";
import { RootedDir } from "./rooted-dir.js";

describe("RootedDir", () => {
  let dir = "";
  let root = "";
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "berth-rd-"));
    root = join(dir, "root");
    await mkdir(join(root, "a", "b"), { recursive: true });
    await writeFile(join(root, "a", "file"), "x");
    await mkdir(join(dir, "outside"));
    // A directory swapped for a symlink after resolution: the open must not follow it.
    await symlink(join(dir, "outside"), join(root, "swapped"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("opens a path a component at a time and names children by descriptor", async () => {
    const top = await RootedDir.openRoot(root);
    const b = await top.openPath("/a/b");
    try {
      assert.equal(b.path, "/a/b");
      await writeFile(b.child("new"), "y");
      assert.equal((await stat(join(root, "a", "b", "new"))).size, 1);
      assert.deepEqual(await readdir(b.self), ["new"]);
    } finally {
      await b.close();
      await top.close();
    }
  });

  it("refuses a symlink or a file on the way", async () => {
    const top = await RootedDir.openRoot(root);
    try {
      await assert.rejects(top.openPath("/swapped"), PathChangedError);
      await assert.rejects(top.openPath("/swapped/x", true), PathChangedError);
      await assert.rejects(top.openPath("/a/file/x"), PathChangedError);
      assert.deepEqual(await readdir(join(dir, "outside")), [], "nothing made outside");
    } finally {
      await top.close();
    }
  });

  it("makes missing directories when asked, and only then", async () => {
    const top = await RootedDir.openRoot(root);
    try {
      await assert.rejects(top.openPath("/m/n"), (e: NodeJS.ErrnoException) => e.code === "ENOENT");
      await (await top.openPath("/m/n", true)).close();
      assert.ok((await stat(join(root, "m", "n"))).isDirectory());
    } finally {
      await top.close();
    }
  });

  it("refuses a name that is not one component", async () => {
    const top = await RootedDir.openRoot(root);
    try {
      for (const bad of ["", ".", "..", "a/b"]) assert.throws(() => top.child(bad));
    } finally {
      await top.close();
    }
  });
});
