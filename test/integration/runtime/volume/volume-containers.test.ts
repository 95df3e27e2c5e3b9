// Volumes and mount flags in real containers: resolveMounts → runContainer's binds and tmpfs → runc.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { lstat, readFile, readlink } from "node:fs/promises";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { describe, it } from "node:test";
import { ImageStore } from "../../../../src/image/index.js";
import { OverlayRootfs, prepareRunImage, runContainer, type BindMount, type TmpfsMount } from "../../../../src/runtime/index.js";
import {
  ANONYMOUS_LABEL, parseMountFlag, parseVolumeFlag, releaseMounts, resolveMounts, VolumeStore,
} from "../../../../src/runtime/volume/index.js";
import { tempDir } from "../../../support/temp-dir.js";
import { assertClean, useRuntimeFixture, type RuntimeFixture } from "../runtime-fixture.js";

const IMAGE = "localhost/busybox:t1";
const newId = (): string => randomBytes(32).toString("hex");

interface Ran {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Run `script` under /bin/sh in a busybox container with these mounts, in the foreground, to its end. */
async function runWith(fx: RuntimeFixture, binds: readonly BindMount[], tmpfs: readonly TmpfsMount[], script: string): Promise<Ran> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (b: Buffer) => (out += b.toString()));
  stderr.on("data", (b: Buffer) => (err += b.toString()));
  const c = await runContainer(new ImageStore(fx.root), IMAGE, { binds, tmpfs, cmd: ["/bin/sh", "-c", script], stdio: { stdout, stderr } });
  const timer = setTimeout(() => c.kill("SIGKILL"), 60_000);
  try {
    return { code: await c.wait(), stdout: out, stderr: err };
  } finally {
    clearTimeout(timer);
  }
}

describe("volumes in real containers (runc, as root)", () => {
  const fixture = useRuntimeFixture();

  it("a named volume outlives its container and is read by the next, read-only when asked; rm -v drops the anonymous one", async (t) => {
    const fx = await fixture(t);
    if (!fx) return;
    const store = new VolumeStore(fx.root);
    const first = newId();
    const m1 = await resolveMounts(store, [parseVolumeFlag("data:/data"), parseVolumeFlag("/scratch")], first);
    try {
      const r1 = await runWith(fx, m1.binds, m1.tmpfs, "echo kept > /data/f && echo gone > /scratch/g");
      assert.equal(r1.code, 0, r1.stderr);
    } finally {
      const removed = await releaseMounts(store, m1.volumes, first, { removeAnonymous: true });
      assert.deepEqual(removed, [m1.volumes[1]]);
    }
    assert.deepEqual((await store.list()).map((v) => v.Name), ["data"]);

    const second = newId();
    const m2 = await resolveMounts(store, [parseMountFlag("type=volume,src=data,dst=/mnt/d,readonly")], second);
    try {
      assert.deepEqual(await store.users("data"), [second]);
      const r2 = await runWith(fx, m2.binds, m2.tmpfs, "cat /mnt/d/f; if echo x > /mnt/d/x; then echo writable; else echo read-only; fi");
      assert.equal(r2.code, 0, r2.stderr);
      assert.equal(r2.stdout, "kept\nread-only\n");
      assert.match(r2.stderr, /Read-only file system/);
    } finally {
      await releaseMounts(store, m2.volumes, second);
    }
    await store.remove("data");
    await assertClean(fx);
  });

  it("copy-up fills new volumes from the image's mounted rootfs: the container runs its shell from one", async (t) => {
    const fx = await fixture(t);
    if (!fx) return;
    const store = new VolumeStore(fx.root);
    const img = await prepareRunImage(new ImageStore(fx.root), IMAGE);
    await using scratch = await tempDir("berth-cu-");
    const id = newId();
    const rootfs = await OverlayRootfs.mount(scratch.path, img.lowerDirs);
    let m: Awaited<ReturnType<typeof resolveMounts>>;
    try {
      m = await resolveMounts(store, [parseVolumeFlag("binvol:/bin"), parseVolumeFlag("/tmp"), parseVolumeFlag("etcvol:/etc:nocopy")], id, rootfs.path);
    } finally {
      await rootfs.unmount();
    }
    try {
      const bin = (await store.inspect("binvol")).Mountpoint;
      assert.equal(await readlink(join(bin, "sh")), "busybox", "links copied as links");
      assert.equal((await lstat(join(bin, "busybox"))).mode & 0o7777, 0o755);
      const anon = await store.inspect(m.volumes[1]!);
      assert.deepEqual(anon.Labels, { [ANONYMOUS_LABEL]: "" });
      assert.equal((await lstat(anon.Mountpoint)).mode & 0o7777, 0o1777, "the volume takes /tmp's sticky mode");
      const r = await runWith(fx, m.binds, m.tmpfs, "echo ran from the volume; if cat /etc/passwd; then echo etc-has-files; else echo etc-empty; fi");
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, "ran from the volume\netc-empty\n", "nocopy left /etc's volume empty");
    } finally {
      await releaseMounts(store, m.volumes, id, { removeAnonymous: true });
    }
    assert.equal(await readFile(join((await store.inspect("binvol")).Mountpoint, "busybox")).then((b) => b.length > 0), true);
    assert.deepEqual((await store.prune()).removed, ["binvol", "etcvol"]);
    await assertClean(fx);
  });

  it("--mount tmpfs and bind reach runc: size, mode and read-only as asked", async (t) => {
    const fx = await fixture(t);
    if (!fx) return;
    const store = new VolumeStore(fx.root);
    await using host = await tempDir("berth-bind-");
    const m = await resolveMounts(store, [
      parseMountFlag("type=tmpfs,target=/run/cache,tmpfs-size=2m,tmpfs-mode=1770"),
      parseMountFlag(`type=bind,source=${host.path},target=/host,readonly`),
    ], newId());
    assert.deepEqual(m.volumes, []);
    const r = await runWith(fx, m.binds, m.tmpfs, "cat /proc/mounts; if echo x > /host/x; then echo host-writable; fi");
    assert.equal(r.code, 0, r.stderr);
    const line = (dest: string): string => r.stdout.split("\n").find((l) => l.split(" ")[1] === dest) ?? "";
    assert.match(line("/run/cache"), /^tmpfs \/run\/cache tmpfs \S*size=2048k/);
    assert.match(line("/run/cache"), /mode=1770/);
    assert.match(line("/host"), / ro[, ]/);
    assert.doesNotMatch(r.stdout, /host-writable/);
    await assertClean(fx);
  });
});
