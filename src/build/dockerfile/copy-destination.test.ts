import assert from "node:assert/strict";
import { lstat, mkdir, mkdtemp, readdir, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { mkdirInRootfs, normalizeDestination, resolveInRootfs } from "./copy-destination.js";
import { CopyDestinationError } from "./copy-errors.js";

describe("normalizeDestination", () => {
  const cases: readonly [dest: string, workdir: string, path: string, isDirectory: boolean][] = [
    ["/x", "/wd", "/x", false], ["/x/", "/wd", "/x/", true], ["/x/../y", "/", "/x/../y", false], ["/n/.", "/", "/n/.", false],
    [".", "/wd", "/wd", false], ["./", "/wd", "/wd/", true], ["rel/", "/wd", "/wd/rel/", true], ["rel", "/wd", "/wd/rel", false],
    ["../up.txt", "/wd/sub", "/wd/up.txt", false], ["../../../x", "/wd", "/x", false], ["x", "", "/x", false], ["/", "/wd", "/", true],
  ];
  for (const [dest, workdir, path, isDirectory] of cases) {
    it(`${JSON.stringify(dest)} in ${JSON.stringify(workdir)} → ${path}`, () => assert.deepEqual(normalizeDestination(dest, workdir), { path, isDirectory }));
  }
});

describe("resolveInRootfs and mkdirInRootfs", () => {
  let top = "";
  let rootfs = "";
  let outside = "";
  before(async () => {
    top = await mkdtemp(join(tmpdir(), "berth-dest-"));
    rootfs = join(top, "rootfs");
    outside = join(top, "outside");
    await mkdir(join(rootfs, "srv"), { recursive: true });
    await mkdir(join(rootfs, "etc"));
    await mkdir(outside);
    await writeFile(join(rootfs, "etc/passwd"), "root:x:0:0::/:/bin/sh\n");
    await symlink("/srv", join(rootfs, "app"));
    await symlink("../../../../../../../..", join(rootfs, "up"));
    await symlink("/", join(rootfs, "rootlink"));
    await symlink(outside, join(rootfs, "abs-outside"));
    await symlink("../outside", join(rootfs, "rel-outside"));
    await symlink("/etc/passwd", join(rootfs, "fl"));
    await symlink("loop", join(rootfs, "loop"));
  });
  after(async () => rm(top, { recursive: true, force: true }));

  const resolved: readonly [string, string][] = [
    ["/app", "/srv"], ["/app/new/file", "/srv/new/file"], ["/up/etc", "/etc"], ["/rootlink/srv", "/srv"], ["/fl", "/etc/passwd"],
    ["/abs-outside/x", "(outside)/x"], ["/rel-outside/x", "/outside/x"], ["/x/../../../etc", "/etc"],
  ];
  for (const [path, written] of resolved) {
    it(`${path} resolves to ${written} inside the rootfs`, async () => {
      const expected = written.replace("(outside)", outside);
      const r = await resolveInRootfs(rootfs, path);
      assert.equal(r.path, expected);
      assert.equal(r.host, rootfs + expected);
    });
  }

  it("a symlink loop fails instead of spinning", async () => {
    await assert.rejects(resolveInRootfs(rootfs, "/loop/x"), /symlinks/);
  });

  it("mkdirInRootfs makes the directory through the image's symlinks, 0755, never outside", async () => {
    assert.equal(await mkdirInRootfs(rootfs, "/app/a/b"), "/srv/a/b");
    assert.equal((await lstat(join(rootfs, "srv/a/b"))).mode & 0o7777, 0o755);
    assert.equal(await mkdirInRootfs(rootfs, "/abs-outside/made"), `${outside}/made`);
    assert.ok((await lstat(join(rootfs, outside, "made"))).isDirectory(), "made inside the rootfs, at the host path's name");
    await mkdirInRootfs(rootfs, "rel-outside/made");
    assert.deepEqual(await readdir(outside), [], "nothing was made outside the rootfs");
  });

  it("mkdirInRootfs fails when a part is a file", async () => {
    await assert.rejects(mkdirInRootfs(rootfs, "/etc/passwd/x"), CopyDestinationError);
    await assert.rejects(mkdirInRootfs(rootfs, "/fl"), CopyDestinationError);
  });
});
