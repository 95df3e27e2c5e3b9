import { describe, it, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmod, lstat, mkdir, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isBerthError } from "../../oci/index.js";
import { isMountPoint } from "../../runtime/index.js";
import { mountReadOnly, mountStepRootfs } from "./step-rootfs.js";

const isRoot = process.getuid?.() === 0;

function needsRoot(t: TestContext): boolean {
  if (!isRoot) t.skip("needs root: mounting an overlay");
  return isRoot;
}

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "berth-srfs-"));
  try {
    await fn(dir);
  } finally {
    // Lazily unmount anything a failed test left, so rm never walks into a lower dir.
    for (const line of (await readFile("/proc/self/mountinfo", "utf8")).split("\n").reverse()) {
      const point = line.split(" ")[4];
      if (point?.startsWith(`${dir}/`)) spawnSync("umount", ["--lazy", point]);
    }
    await rm(dir, { recursive: true, force: true });
  }
}

async function tree(dir: string, files: Record<string, string>): Promise<string> {
  for (const [path, text] of Object.entries(files)) {
    await mkdir(join(dir, path, ".."), { recursive: true });
    await writeFile(join(dir, path), text);
  }
  return dir;
}

describe("mountStepRootfs", () => {
  it("stacks the lower dirs over an init layer of mount points; changes land in upper/ only", async (t) => {
    if (!needsRoot(t)) return;
    await withDir(async (dir) => {
      const top = await tree(join(dir, "l1"), { "etc/motd": "top\n" });
      const bottom = await tree(join(dir, "l2"), { "etc/motd": "bottom\n", "etc/hosts": "image hosts\n", "bin/sh": "#!" });
      const step = await mountStepRootfs(join(dir, "step"), [top, bottom]);
      assert.ok(await isMountPoint(step.rootfs));
      assert.equal(await readFile(join(step.rootfs, "etc", "motd"), "utf8"), "top\n");
      assert.equal(await readFile(join(step.rootfs, "etc", "hosts"), "utf8"), "image hosts\n", "the image's own file hides the init layer's");
      for (const p of ["dev", "proc", "sys"]) assert.ok((await stat(join(step.rootfs, p))).isDirectory(), p);
      for (const p of ["hostname", "resolv.conf"]) assert.equal((await stat(join(step.rootfs, "etc", p))).size, 0, p);
      assert.deepEqual(await readdir(step.upperDir), [], "mount points are not in the upper dir");
      await writeFile(join(step.rootfs, "new"), "n");
      assert.deepEqual(await readdir(step.upperDir), ["new"]);
      assert.equal((await stat(step.upperDir)).mode & 0o7777, 0o755);
      await step.unmount();
      await step.unmount();
      assert.ok(!(await isMountPoint(step.rootfs)));
      assert.deepEqual((await readdir(step.dir)).sort(), ["upper"], "only the upper dir is kept for the commit");
      assert.deepEqual(await readdir(top), ["etc"], "lower dirs untouched");
      await step.discard();
      await assert.rejects(lstat(step.dir), { code: "ENOENT" });
    });
  });

  it("copies up whole files and refuses to rename a lower directory (metacopy and redirect_dir off)", async (t) => {
    if (!needsRoot(t)) return;
    await withDir(async (dir) => {
      const lower = await tree(join(dir, "l"), { "data/big": "x".repeat(100_000), "dir/a": "a" });
      const step = await mountStepRootfs(join(dir, "step"), [lower], []);
      try {
        await chmod(join(step.rootfs, "data", "big"), 0o600);
        assert.equal((await stat(join(step.upperDir, "data", "big"))).size, 100_000, "the data is in the upper dir, not only the metadata");
        await assert.rejects(rename(join(step.rootfs, "dir"), join(step.rootfs, "moved")), { code: "EXDEV" }, "mv falls back to a copy: the upper dir stays a plain diff");
      } finally {
        await step.discard();
      }
    });
  });

  it("makes the merged root 0755 whatever the umask, and mounts scratch (no lower dirs)", async (t) => {
    if (!needsRoot(t)) return;
    await withDir(async (dir) => {
      const old = process.umask(0o077);
      try {
        const step = await mountStepRootfs(join(dir, "step"), []);
        try {
          assert.equal((await stat(step.rootfs)).mode & 0o777, 0o755);
          const names = await readdir(step.rootfs);
          for (const p of ["dev", "etc", "proc", "sys"]) assert.ok(names.includes(p), p);
          assert.ok(names.every((n) => ["dev", "etc", "proc", "sys", ".berth-host-ca.pem"].includes(n)), names.join(" "));
        } finally {
          await step.discard();
        }
      } finally {
        process.umask(old);
      }
    });
  });

  it("mounts far more layers than their paths would fit in one page of mount options, and paths with , and :", async (t) => {
    if (!needsRoot(t)) return;
    await withDir(async (dir) => {
      const snapshots = join(dir, "s".repeat(100), "snap:shots,x");
      const lowers: string[] = [];
      for (let i = 0; i < 200; i++) lowers.push(await tree(join(snapshots, `${String(i).padStart(64, "0")}`, "fs"), { [`f${i}`]: String(i) }));
      assert.ok(lowers.join(":").length > 8 * 4096, "absolute paths would not fit");
      const step = await mountStepRootfs(join(dir, "step"), lowers, []);
      try {
        assert.equal((await readdir(step.rootfs)).length, 200);
        assert.equal(await readFile(join(step.rootfs, "f199"), "utf8"), "199");
        assert.deepEqual((await readdir(step.dir)).sort(), ["init", "rootfs", "upper", "work"], "the short links are gone once mounted");
      } finally {
        await step.discard();
      }
      const view = await mountReadOnly(join(dir, "view"), lowers);
      try {
        assert.equal((await readdir(view.path)).length, 200);
      } finally {
        await view.unmount();
      }
    });
  });

  it("refuses paths overlayfs options cannot carry and mount points outside the rootfs, leaving nothing", async (t) => {
    if (!needsRoot(t)) return;
    await withDir(async (dir) => {
      await assert.rejects(mountStepRootfs(join(dir, "s:1"), []), (e: unknown) => isBerthError(e, "INVALID_ARGUMENT") && /overlayfs options cannot carry/.test(e.message));
      assert.deepEqual(await readdir(join(dir, "s:1")), []);
      for (const path of ["relative", "", "/"]) {
        await assert.rejects(mountStepRootfs(join(dir, "s2"), [], [{ path, kind: "file" }]), (e: unknown) => isBerthError(e, "INVALID_ARGUMENT") && /mount point/.test(e.message), path);
        assert.deepEqual(await readdir(join(dir, "s2")), []);
      }
    });
  });

  it("needs root, and says so", async (t) => {
    if (isRoot) return t.skip("runs as root: the refusal is for other users");
    await assert.rejects(mountStepRootfs(join(tmpdir(), "never"), []), (e: unknown) => isBerthError(e, "PERMISSION_DENIED") && /needs root/.test(e.message));
  });
});

describe("mountReadOnly", () => {
  it("shows the merged snapshots read-only, whiteouts and opaque dirs applied; no layers is an empty dir", async (t) => {
    if (!needsRoot(t)) return;
    await withDir(async (dir) => {
      const top = await tree(join(dir, "top"), { "opq/new": "n", "kept": "k" });
      const bottom = await tree(join(dir, "bottom"), { "opq/old": "o", "gone": "g", "stay": "s" });
      assert.equal(spawnSync("mknod", ["-m", "0", join(top, "gone"), "c", "0", "0"]).status, 0);
      assert.equal(spawnSync("setfattr", ["-n", "trusted.overlay.opaque", "-v", "y", join(top, "opq")]).status, 0);
      const view = await mountReadOnly(join(dir, "view"), [top, bottom]);
      try {
        assert.deepEqual((await readdir(view.path)).sort(), ["kept", "opq", "stay"]);
        assert.deepEqual(await readdir(join(view.path, "opq")), ["new"]);
        await assert.rejects(writeFile(join(view.path, "x"), ""), { code: "EROFS" });
      } finally {
        await view.unmount();
        await view.unmount();
      }
      assert.deepEqual(await readdir(join(dir, "view")), []);
      const single = await mountReadOnly(join(dir, "single"), [top]);
      try {
        assert.deepEqual((await readdir(single.path)).sort(), ["kept", "opq"], "a lone snapshot's whiteout is hidden too");
      } finally {
        await single.unmount();
      }
      const none = await mountReadOnly(join(dir, "none"), []);
      assert.deepEqual(await readdir(none.path), []);
      assert.ok(!(await isMountPoint(none.path)));
      await none.unmount();
    });
  });
});
