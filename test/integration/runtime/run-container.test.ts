import assert from "node:assert/strict";
import { mkdir, readdir, readFile, rename } from "node:fs/promises";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { describe, it } from "node:test";
import { ImageStore } from "../../../src/image/index.js";
import { isBerthError } from "../../../src/oci/index.js";
import {
  ContainerRuntime, ContainerStartError, isMountPoint, NameInUseError, OverlayRootfs, Runc, runContainer,
} from "../../../src/runtime/index.js";
import { mountsUnder } from "../../support/unmount.js";
import { waitFor } from "../../support/wait-for.js";
import { assertClean, RUNC, useRuntimeFixture } from "./runtime-fixture.js";

const collect = (s: PassThrough): (() => string) => {
  let text = "";
  s.on("data", (b: Buffer) => (text += b.toString()));
  return () => text;
};

const IMAGE = "localhost/busybox:t1";
const LOOP = "i=0; while [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done";

// The library beneath `berth run`: ContainerRuntime (containers under conmon that outlive the caller), runContainer
// (the attached path of `run -i/-t`), OverlayRootfs and Runc, with real runc, conmon and overlayfs.
describe("runtime library (runc, as root)", () => {
  const fixture = useRuntimeFixture();

  it("ContainerRuntime.run: the container outlives the runtime object; another one on the root lists, stops, waits and removes it", async (t) => {
    const fx = await fixture(t);
    if (!fx) return;
    const rt = new ContainerRuntime(new ImageStore(fx.root));
    const { record, state } = await rt.run(IMAGE, { name: "lib", network: "none", cmd: ["/bin/sh", "-c", `trap 'exit 42' TERM; echo trapped; ${LOOP}`] });
    try {
      // A container's init ignores a SIGTERM that comes before its handler is set (pid 1 has no default
      // action): stop only once the shell says its trap is in place.
      await waitFor("the trap in the log", async () => (await readFile(rt.ctx.logPath(record.id), "utf8").catch(() => "")).includes("trapped"));
      assert.match(record.id, /^[0-9a-f]{64}$/);
      assert.equal(state.status, "running");
      const other = new ContainerRuntime(new ImageStore(fx.root));
      const listed = (await other.list()).find((c) => c.record.id === record.id);
      assert.equal(listed?.state.status, "running");
      assert.ok(await isMountPoint(join(fx.root, "containers", record.id, "rootfs")));
      await assert.rejects(other.create(IMAGE, { name: "lib", network: "none", cmd: ["/bin/sh"] }), (e: unknown) => e instanceof NameInUseError);
      // run mounts the new container's rootfs while it claims the name: the refusal undoes that mount.
      await assert.rejects(other.run(IMAGE, { name: "lib", network: "none", cmd: ["/bin/sh"] }), (e: unknown) => e instanceof NameInUseError);
      assert.deepEqual(await mountsUnder(join(fx.root, "containers")), [join(fx.root, "containers", record.id, "rootfs")]);
      assert.deepEqual((await readdir(join(fx.root, "containers"))).filter((d) => /^[0-9a-f]{64}$/.test(d)), [record.id]);
      const waited = other.wait("lib");
      await other.stop("lib", 5);
      assert.equal(await waited, 42);
      // Stopped, not removed: the run is taken apart but the container and its writable layer stay.
      assert.equal(await isMountPoint(join(fx.root, "containers", record.id, "rootfs")), false);
      assert.deepEqual(await new Runc({ stateDir: join(fx.root, "runc"), binary: RUNC }).list(), []);
      assert.equal((await other.inspect("lib")).State.ExitCode, 42);
      await other.remove("lib");
    } finally {
      await rt.remove(record.id, { force: true }).catch(() => undefined);
    }
    await assertClean(fx);
  });

  it("ContainerRuntime.run: a command that cannot start rejects with ContainerStartError 127, and nothing is left", async (t) => {
    const fx = await fixture(t);
    if (!fx) return;
    const rt = new ContainerRuntime(new ImageStore(fx.root));
    await assert.rejects(rt.run(IMAGE, { name: "never", network: "none", cmd: ["nosuchcommand"] }),
      (e: unknown) => e instanceof ContainerStartError && e.exitCode === 127 && /executable file not found/.test(e.message));
    assert.deepEqual(await rt.list(), []);
    await assertClean(fx);
  });

  it("ContainerRuntime.run: a rootfs that cannot be mounted (a layer's files gone) fails the run and leaves nothing behind", async (t) => {
    const fx = await fixture(t);
    if (!fx) return;
    const snapshots = join(fx.root, "snapshots");
    const [layer] = (await readdir(snapshots)).filter((d) => /^[0-9a-f]{64}$/.test(d));
    assert.ok(layer !== undefined, "no snapshot in the fixture's store");
    const files = join(snapshots, layer, "fs");
    await rename(files, `${files}.away`);
    try {
      const rt = new ContainerRuntime(new ImageStore(fx.root));
      await assert.rejects(rt.run(IMAGE, { name: "nofiles", network: "none", cmd: ["true"] }), (e: unknown) => isBerthError(e, "FAILED_PRECONDITION") && /mount -t overlay failed/.test(e.message));
      assert.deepEqual(await rt.list(), []);
    } finally {
      await rename(`${files}.away`, files);
    }
    await assertClean(fx);
  });

  it("runContainer (attached -i/-t runs): pipes output, holds the name while running, forwards a signal, frees everything after", async (t) => {
    const fx = await fixture(t);
    if (!fx) return;
    const store = new ImageStore(fx.root);
    const stdout = new PassThrough();
    const out = collect(stdout);
    const c = await runContainer(store, fx.location, {
      name: "web", stdio: { stdout, stderr: new PassThrough() },
      cmd: ["/bin/sh", "-c", "trap 'exit 42' TERM; echo up; i=0; while [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done"],
    });
    try {
      assert.match(c.id, /^[0-9a-f]{64}$/);
      for (let i = 0; i < 100 && !out().includes("up"); i++) await new Promise((r) => setTimeout(r, 50));
      assert.equal(out(), "up\n");
      assert.ok(await isMountPoint(join(fx.root, "containers", c.id, "rootfs")));
      await assert.rejects(runContainer(store, "localhost/busybox:t1", { name: "web", cmd: ["true"] }), (e: unknown) => e instanceof NameInUseError && /"web" is already in use/.test(e.message));
    } finally {
      c.kill("SIGTERM");
    }
    assert.equal(await c.wait(), 42);
    await assertClean(fx);
    // The name is free again.
    const again = await runContainer(store, "localhost/busybox:t1", { name: "web", cmd: ["/bin/sh", "-c", "exit 0"], stdio: { stdout: new PassThrough() } });
    assert.equal(await again.wait(), 0);
    await assertClean(fx);
  });

  it("runContainer: a start failure rejects wait() with the docker exit code and cleans up", async (t) => {
    const fx = await fixture(t);
    if (!fx) return;
    const c = await runContainer(new ImageStore(fx.root), "localhost/busybox:t1", { cmd: ["nosuchcommand"], stdio: { stdout: new PassThrough(), stderr: new PassThrough() } });
    await assert.rejects(c.wait(), (e: unknown) => isBerthError(e) && (e as unknown as { exitCode: number }).exitCode === 127 && /executable file not found/.test(e.message));
    await assertClean(fx);
  });

  it("OverlayRootfs: writes land in upper/, lower dirs stay untouched, unmount removes the layer", async (t) => {
    const fx = await fixture(t);
    if (!fx) return;
    const base = join(fx.tmp.path, "ovl");
    const lower = join(base, "lower");
    await mkdir(join(lower, "etc"), { recursive: true });
    const rootfs = await OverlayRootfs.mount(join(base, "c1"), [lower]);
    try {
      await mkdir(join(rootfs.path, "new"));
      assert.deepEqual(await readdir(join(base, "c1", "upper")), ["new"]);
      assert.deepEqual(await readdir(lower), ["etc"]);
    } finally {
      await rootfs.unmount();
    }
    assert.deepEqual(await mountsUnder(base), []);
    assert.deepEqual(await readdir(join(base, "c1")), []);
    await rootfs.unmount();
  });

  it("OverlayRootfs refuses hostile paths and reports a failed mount, leaving nothing mounted", async (t) => {
    const fx = await fixture(t);
    if (!fx) return;
    const base = join(fx.tmp.path, "ovl2");
    await assert.rejects(OverlayRootfs.mount(join(base, "c"), [join(base, "a,upperdir=/etc")]), (e: unknown) => isBerthError(e, "INVALID_ARGUMENT") && /overlayfs options cannot carry/.test(e.message));
    await assert.rejects(OverlayRootfs.mount(join(base, "c"), [join(base, "missing")]), (e: unknown) => isBerthError(e, "FAILED_PRECONDITION") && /mount -t overlay failed/.test(e.message));
    assert.deepEqual(await mountsUnder(base), []);
  });

  it("Runc.delete of an unknown container is fine; list is empty", async (t) => {
    const fx = await fixture(t);
    if (!fx) return;
    const runc = new Runc({ stateDir: join(fx.root, "runc"), binary: RUNC });
    await runc.delete("no-such-container");
    assert.deepEqual(await runc.list(), []);
  });

  it("a missing runc is a clear error and leaves nothing behind", async (t) => {
    const fx = await fixture(t);
    if (!fx) return;
    const c = await runContainer(new ImageStore(fx.root), "localhost/busybox:t1", { cmd: ["true"], runcBinary: join(fx.tmp.path, "no-runc") });
    await assert.rejects(c.wait(), (e: unknown) => isBerthError(e, "UNAVAILABLE") && /apt-get install runc/.test(e.hint ?? ""));
    await assertClean(fx);
  });
});
