import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { chmod, chown, link, lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, symlink, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, beforeEach, describe, it } from "node:test";
import { copyUp } from "./copy-up.js";
import { resolveInRoot } from "./resolve-in-root.js";

const isRoot = process.getuid?.() === 0;
const OLD = new Date("2001-02-03T04:05:06Z");

describe("copyUp", () => {
  let dir = "";
  let rootfs = "";
  let dest = "";
  let n = 0;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "berth-copyup-"));
    rootfs = join(dir, "rootfs");
    await writeFile(join(dir, "host-secret"), "host secret\n");
    await mkdir(join(rootfs, "etc"), { recursive: true });
    await writeFile(join(rootfs, "etc", "passwd"), "image passwd\n");
    const app = join(rootfs, "var", "lib", "app");
    await mkdir(join(app, "sub"), { recursive: true });
    await writeFile(join(app, "conf.txt"), "conf\n", { mode: 0o640 });
    await writeFile(join(app, "tool"), "#!/bin/sh\n");
    await writeFile(join(app, "sub", "inner"), "inner\n");
    await writeFile(join(app, "hard1"), "same inode\n");
    await link(join(app, "hard1"), join(app, "hard2"));
    await symlink("/etc/passwd", join(app, "link-passwd"));
    await symlink("../../../../../../..", join(app, "link-up"));
    await symlink(join(dir, "host-secret"), join(app, "link-host"));
    execFileSync("mkfifo", [join(app, "fifo")]);
    await writeFile(join(app, "big"), Buffer.alloc(3 * 1024 * 1024 + 7, 7));
    if (isRoot) {
      await chown(app, 999, 998);
      await chown(join(app, "conf.txt"), 1000, 1001);
      await chown(join(app, "tool"), 1000, 1000);
    }
    await chmod(join(app, "tool"), 0o4755);
    await chmod(join(app, "sub"), 0o555);
    await chmod(app, 0o750);
    await utimes(join(app, "conf.txt"), OLD, OLD);
    await symlink("/var/lib/app", join(rootfs, "data"));
    await symlink("../../../../../../../etc", join(rootfs, "climb"));
    await symlink("/etc", join(rootfs, "abs"));
    await symlink("../host-secret-dir", join(rootfs, "outside"));
    await mkdir(join(dir, "host-secret-dir"));
    await writeFile(join(dir, "host-secret-dir", "secret"), "host secret\n");
    await symlink("loop", join(rootfs, "loop"));
  });
  after(async () => {
    await chmod(join(rootfs, "var", "lib", "app", "sub"), 0o755).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    dest = join(dir, `dest${n++}`);
    await mkdir(dest, { mode: 0o755 });
  });

  it("copies files, modes, owners, times, symlinks as links and hard links as links", async () => {
    const r = await copyUp(rootfs, "/var/lib/app", dest);
    assert.deepEqual(r?.skipped, ["/fifo"]);
    assert.equal(r?.entries, 10);
    assert.deepEqual((await readdir(dest)).sort(), ["big", "conf.txt", "hard1", "hard2", "link-host", "link-passwd", "link-up", "sub", "tool"]);
    assert.equal(await readFile(join(dest, "conf.txt"), "utf8"), "conf\n");
    assert.equal(await readFile(join(dest, "sub", "inner"), "utf8"), "inner\n");
    assert.deepEqual(await readFile(join(dest, "big")), Buffer.alloc(3 * 1024 * 1024 + 7, 7));
    const mode = async (p: string): Promise<number> => (await lstat(join(dest, p))).mode & 0o7777;
    assert.equal(await mode("."), 0o750, "the volume takes the image directory's mode");
    assert.equal(await mode("conf.txt"), 0o640);
    assert.equal(await mode("tool"), 0o4755, "setuid kept");
    assert.equal(await mode("sub"), 0o555);
    assert.equal((await lstat(join(dest, "conf.txt"))).mtime.getTime(), OLD.getTime());
    assert.equal(await readlink(join(dest, "link-passwd")), "/etc/passwd");
    assert.equal(await readlink(join(dest, "link-up")), "../../../../../../..");
    assert.equal(await readlink(join(dest, "link-host")), join(dir, "host-secret"), "copied as a link, never read");
    assert.equal((await lstat(join(dest, "hard1"))).ino, (await lstat(join(dest, "hard2"))).ino);
    if (isRoot) {
      const owner = async (p: string): Promise<string> => {
        const st = await lstat(join(dest, p));
        return `${st.uid}:${st.gid}`;
      };
      assert.equal(await owner("."), "999:998");
      assert.equal(await owner("conf.txt"), "1000:1001");
      assert.equal(await owner("tool"), "1000:1000");
    }
    await chmod(join(dest, "sub"), 0o755);
  });

  it("follows a symlink on the target path inside the image only", async () => {
    const r = await copyUp(rootfs, "/data", dest);
    assert.ok(r !== undefined);
    assert.ok((await readdir(dest)).includes("conf.txt"));
    await chmod(join(dest, "sub"), 0o755);
  });

  it("a link climbing out with .. stops at the image's root", async () => {
    await copyUp(rootfs, "/climb", dest);
    assert.deepEqual(await readdir(dest), ["passwd"]);
    assert.equal(await readFile(join(dest, "passwd"), "utf8"), "image passwd\n", "the image's file, not the host's /etc/passwd");
  });

  it("an absolute link resolves against the image's root", async () => {
    await copyUp(rootfs, "/abs", dest);
    assert.equal(await readFile(join(dest, "passwd"), "utf8"), "image passwd\n");
  });

  it("copies nothing for a link out of the image, a file, a missing path or a loop", async () => {
    for (const target of ["/outside", "/var/lib/app/link-passwd", "/etc/passwd", "/nope", "/loop", "/var/lib/app/conf.txt/x"]) {
      assert.equal(await copyUp(rootfs, target, dest), undefined, target);
    }
    assert.deepEqual(await readdir(dest), []);
  });
});

describe("resolveInRoot", () => {
  it("clamps .. at the root and restarts absolute links there", async () => {
    const dir = await mkdtemp(join(tmpdir(), "berth-rir-"));
    try {
      await mkdir(join(dir, "a", "b"), { recursive: true });
      await symlink("/a", join(dir, "abs"));
      await symlink("../../../../a/b", join(dir, "a", "rel"));
      assert.equal(await resolveInRoot(dir, "/../../a"), join(dir, "a"));
      assert.equal(await resolveInRoot(dir, "/abs/b"), join(dir, "a", "b"));
      assert.equal(await resolveInRoot(dir, "/a/rel"), join(dir, "a", "b"));
      assert.equal(await resolveInRoot(dir, "/"), dir);
      assert.equal(await resolveInRoot(dir, "/a/missing"), undefined);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
