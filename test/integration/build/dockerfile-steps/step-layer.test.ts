import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { lstat, readdir } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it, type TestContext } from "node:test";
import type { CommittedStep } from "../../../../src/build/dockerfile/commit-step.js";
import { mountReadOnly } from "../../../../src/build/dockerfile/step-rootfs.js";
import { digestOf } from "../../../../src/oci/index.js";
import { assertSucceeded, run } from "../../../support/run.js";
import {
  assertNothingLeft, commit, describeEntries, layerEntries, makeStepFixture, requireSteps, sh, stepsUnsupported, type StepFixture,
} from "./steps-fixture.js";

/** sha256 of a deterministic GNU tar of `dir` (names sorted, numeric owners, xattrs, no atime/ctime), init-layer paths left out. */
function treeDigest(dir: string): string {
  const r = spawnSync("tar", [
    "--create", "--file=-", `--directory=${dir}`, "--sort=name", "--numeric-owner", "--xattrs", "--xattrs-include=*", "--format=pax",
    "--pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime",
    ...["./dev", "./proc", "./sys", "./etc/hosts", "./etc/hostname", "./etc/resolv.conf", "./.berth-host-ca.pem"].map((p) => `--exclude=${p}`), ".",
  ], { maxBuffer: 64 << 20, timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr.toString());
  return createHash("sha256").update(r.stdout).digest("hex");
}

const CAPABILITY = Buffer.from("0100000200200000000000000000000000000000", "hex"); // cap_net_raw+ep, VFS_CAP_REVISION_2

describe("a RUN step's layer and snapshot", () => {
  let f: StepFixture | undefined;
  before(async () => {
    if ((await stepsUnsupported()) === undefined) f = await makeStepFixture();
  });
  after(async () => {
    await f?.runtime.tmp.remove();
  });
  const fixture = async (t: TestContext): Promise<StepFixture | undefined> => {
    if (!(await requireSteps(t))) return undefined;
    assert.ok(f, "fixture not built");
    return f;
  };

  it("creates, modifies, deletes (whiteout) and replaces a directory (opaque): exactly those entries; the snapshot mounts to the same view", async (t) => {
    const fx = await fixture(t);
    if (!fx) return;
    const a = await commit(fx, await sh(fx, "/bin/busybox mkdir -p /data/old/sub && echo a > /data/old/a && echo b > /data/old/sub/b && echo keep > /data/keep && echo gone > /data/gone"));
    assert.equal(a.chainId, digestOf(`${fx.baseChainId} ${a.layer.diffId}`));
    let merged = "";
    const step = await sh(fx, "echo changed >> /data/keep && /bin/busybox rm /data/gone && /bin/busybox rm -r /data/old && /bin/busybox mkdir /data/old && echo c > /data/old/c && echo new > /data/new && /bin/busybox rm /etc/group", {
      lowerDirs: await fx.snapshots.lowerDirs(a.chainId),
      beforeUnmount: async (rootfs) => {
        merged = treeDigest(rootfs);
      },
    });
    assert.equal(step.exitCode, 0, step.stderr);
    const b = await commit(fx, step, a.chainId);
    const entries = await layerEntries(fx, b.layer.descriptor.digest);
    assert.deepEqual(describeEntries(entries), [
      "directory data/", "file data/.wh.gone", "file data/keep", "file data/new", "directory data/old/", "file data/old/.wh..wh..opq", "file data/old/c",
      "directory etc/", "file etc/.wh.group",
    ]);
    const byName = new Map(entries.map((e) => [e.name, e]));
    assert.equal(byName.get("data/keep")?.data.toString(), "keep\nchanged\n");
    assert.equal(byName.get("data/old/c")?.data.toString(), "c\n");
    assert.deepEqual([byName.get("data/.wh.gone")?.mode, byName.get("data/.wh.gone")?.size], [0o600, 0], "docker's whiteout: empty, 0600");
    assert.equal(byName.get("data/old/.wh..wh..opq")?.mode, 0o755);
    assert.ok(entries.every((e) => [...e.xattrs.keys()].every((k) => !k.startsWith("trusted.overlay."))), "no overlay xattrs in the layer");
    assert.deepEqual(b.layer.opaqueDirs, ["data/old"]);
    assert.deepEqual({ ...b.snapshot }, { chainId: b.chainId, parent: a.chainId, diffId: b.layer.diffId, size: b.layer.uncompressedSize, format: "overlay", opaqueDirs: ["data/old"] });
    const view = await mountReadOnly(join(fx.work, "view"), await fx.snapshots.lowerDirs(b.chainId));
    try {
      assert.equal(treeDigest(view.path), merged, "the snapshot stack shows what the step saw");
      const ls = await readdir(join(view.path, "data", "old"));
      assert.deepEqual(ls, ["c"]);
    } finally {
      await view.unmount();
    }
    await assertNothingLeft(fx);
  });

  it("keeps hard links, symlinks, device nodes, fifos and security.capability; whiteouts a file only a lower layer has", async (t) => {
    const fx = await fixture(t);
    if (!fx) return;
    const script = [
      "echo one > /f1", "/bin/busybox ln /f1 /f2", "/bin/busybox ln /f1 /a-link", "/bin/busybox ln -s /f1 /sym",
      "/bin/busybox ln -s ../../../../../etc/passwd /escape", "/bin/busybox rm /bin/cat", "/bin/busybox mknod /null-copy c 1 3",
      "/bin/busybox mkfifo /fifo", "echo cap > /ping", "/bin/busybox chown 1000:2000 /ping", "/bin/busybox chmod 4751 /ping",
    ].join(" && ");
    const step = await sh(fx, script, {
      beforeUnmount: async (rootfs) => {
        assertSucceeded(await run("setfattr", ["-n", "security.capability", "-v", `0x${CAPABILITY.toString("hex")}`, join(rootfs, "ping")]));
        assertSucceeded(await run("setfattr", ["-n", "user.note", "-v", "hello", join(rootfs, "ping")]));
      },
    });
    assert.equal(step.exitCode, 0, step.stderr);
    const c = await commit(fx, step);
    const entries = await layerEntries(fx, c.layer.descriptor.digest);
    assert.deepEqual(describeEntries(entries), [
      "file a-link", "directory bin/", "file bin/.wh.cat", "symlink escape -> ../../../../../etc/passwd", "link f1 -> a-link", "link f2 -> a-link",
      "fifo fifo", "char null-copy", "file ping", "symlink sym -> /f1",
    ]);
    const byName = new Map(entries.map((e) => [e.name, e]));
    assert.equal(byName.get("a-link")?.data.toString(), "one\n", "the first path in sort order holds the data");
    assert.deepEqual([byName.get("null-copy")?.devmajor, byName.get("null-copy")?.devminor], [1, 3]);
    const ping = byName.get("ping")!;
    assert.deepEqual([ping.mode, ping.uid, ping.gid], [0o4751, 1000, 2000]);
    assert.deepEqual(ping.xattrs.get("security.capability"), CAPABILITY, "binary xattr bytes kept");
    assert.equal(ping.xattrs.get("user.note")?.toString(), "hello");
    const snapshotPing = join(fx.snapshots.fsDir(c.chainId), "ping");
    const got = await run("getfattr", ["-n", "security.capability", "-e", "hex", "--absolute-names", snapshotPing]);
    assert.match(got.stdout, new RegExp(`security.capability=0x${CAPABILITY.toString("hex")}`), "the snapshot is the upper dir itself, xattrs and all");
    assert.ok((await lstat(join(fx.snapshots.fsDir(c.chainId), "bin", "cat"))).isCharacterDevice(), "the snapshot keeps the overlay whiteout");
  });

  it("streams a 50 MB file a RUN wrote into the layer, whole, with memory far below its size", async (t) => {
    const fx = await fixture(t);
    if (!fx) return;
    const step = await sh(fx, "/bin/busybox dd if=/dev/urandom of=/big bs=1048576 count=50 2>/dev/null && /bin/busybox sha256sum /big");
    assert.equal(step.exitCode, 0, step.stderr);
    const want = step.stdout.split(" ")[0];
    const base = process.memoryUsage();
    let peak = 0;
    const timer = setInterval(() => {
      const m = process.memoryUsage();
      peak = Math.max(peak, m.arrayBuffers - base.arrayBuffers, m.rss - base.rss);
    }, 2);
    let c: CommittedStep;
    try {
      c = await commit(fx, step);
    } finally {
      clearInterval(timer);
    }
    assert.ok(peak < 40 << 20, `memory grew by ${(peak / 2 ** 20).toFixed(1)} MiB`);
    const tar = spawnSync("tar", ["-xzOf", fx.store.content.blobPath(c.layer.descriptor.digest), "big"], { maxBuffer: 64 << 20 });
    assert.equal(tar.status, 0, tar.stderr.toString());
    assert.equal(createHash("sha256").update(tar.stdout).digest("hex"), want);
    assert.equal(c.snapshot.size, c.layer.uncompressedSize);
  });

  it("keeps mtimes in whole seconds, or clamps them to the epoch; the same change twice is one snapshot", async (t) => {
    const fx = await fixture(t);
    if (!fx) return;
    const before = Math.floor(Date.now() / 1000);
    const kept = await commit(fx, await sh(fx, "echo x > /tmp/kept && /bin/busybox touch -d '2001-02-03 04:05:06' /tmp/old"));
    const keptEntries = await layerEntries(fx, kept.layer.descriptor.digest);
    const mtime = (name: string, list = keptEntries): number => list.find((e) => e.name === name)!.mtime / 1000;
    assert.ok(mtime("tmp/kept") >= before - 1 && Number.isInteger(mtime("tmp/kept")));
    const epoch = 1_500_000_000;
    const same: CommittedStep[] = [];
    for (let i = 0; i < 2; i++) {
      same.push(await commit(fx, await sh(fx, "echo x > /tmp/kept && /bin/busybox touch -d '2001-02-03 04:05:06' /tmp/old"), fx.baseChainId, epoch));
    }
    const clamped = await layerEntries(fx, same[0]!.layer.descriptor.digest);
    assert.equal(mtime("tmp/kept", clamped), epoch, "newer than the epoch: clamped");
    assert.equal(mtime("tmp/old", clamped), Date.UTC(2001, 1, 3, 4, 5, 6) / 1000, "older: kept (the step has no /etc/localtime: UTC)");
    assert.equal(same[0]!.layer.descriptor.digest, same[1]!.layer.descriptor.digest, "same change, same bytes");
    assert.equal(same[0]!.chainId, same[1]!.chainId);
    assert.equal((await fx.snapshots.list()).filter((s) => s.chainId === same[0]!.chainId).length, 1);
    await assertNothingLeft(fx);
  });
});
