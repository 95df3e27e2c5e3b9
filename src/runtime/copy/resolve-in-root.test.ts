import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { TooManySymlinksError } from "./errors.js";
import { cleanContainerPath, resolveInRoot } from "./resolve-in-root.js";

describe("resolveInRoot", () => {
  let dir = "";
  let root = "";
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "berth-rir-"));
    root = join(dir, "rootfs");
    await mkdir(join(root, "etc"), { recursive: true });
    await mkdir(join(root, "usr", "lib"), { recursive: true });
    await writeFile(join(root, "etc", "passwd"), "root:x:0:0::/root:/bin/sh\n");
    await writeFile(join(dir, "host-secret"), "secret\n");
    await symlink("/etc/passwd", join(root, "abs"));
    await symlink("../../../../../../host-secret", join(root, "climb"));
    await symlink(join(dir, "host-secret"), join(root, "hostpath"));
    await symlink("usr/lib", join(root, "lib"));
    await symlink("/etc", join(root, "etcdir"));
    await symlink("/loop-b", join(root, "loop-a"));
    await symlink("/loop-a", join(root, "loop-b"));
    await symlink("self", join(root, "self"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const cases: readonly [string, string, boolean, string][] = [
    ["a plain path", "/etc/passwd", true, "/etc/passwd"],
    ["a relative path starts at /", "etc/passwd", true, "/etc/passwd"],
    ["an absolute link stays in the root", "/abs", true, "/etc/passwd"],
    ["the last link is kept when asked", "/abs", false, "/abs"],
    ["a link on the way is always followed", "/etcdir/passwd", false, "/etc/passwd"],
    ["../.. never climbs above the root", "/climb", true, "/host-secret"],
    ["a host path in a link is a path in the root", "/hostpath", true, "<dir>/host-secret"],
    ["a relative link", "/lib/x.so", true, "/usr/lib/x.so"],
    [".. in the path stops at /", "/../../../etc/passwd", true, "/etc/passwd"],
    ["missing components are taken as they are", "/etcdir/new/file", true, "/etc/new/file"],
  ];
  for (const [name, path, follow, want] of cases) {
    it(name, async () => {
      const got = await resolveInRoot(root, path, follow);
      // The link names the host's file; inside the root that is <root><dir>/host-secret, which does not exist.
      assert.equal(got, want.replace("<dir>", dir));
      assert.ok(!got.includes(".."));
    });
  }

  it("a loop is refused after a bounded number of links", async () => {
    await assert.rejects(resolveInRoot(root, "/loop-a/x"), TooManySymlinksError);
    await assert.rejects(resolveInRoot(root, "/self"), TooManySymlinksError);
  });

  it("a file in the middle is ENOTDIR", async () => {
    await assert.rejects(resolveInRoot(root, "/etc/passwd/x"), (e: NodeJS.ErrnoException) => e.code === "ENOTDIR");
  });

  it("cleanContainerPath", () => {
    assert.equal(cleanContainerPath("a//b/../c/"), "/a/c");
    assert.equal(cleanContainerPath("/"), "/");
    assert.equal(cleanContainerPath("../.."), "/");
  });
});

