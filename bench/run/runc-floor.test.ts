import assert from "node:assert/strict";
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { makeBusyboxLayout } from "../../test/fixtures/make-image.js";
import { isRoot, missingTools } from "../../test/support/require-root.js";
import { tempDir } from "../../test/support/temp-dir.js";
import type { RuntimeSpec } from "./berth-spec.js";
import { makeRuncFloor } from "./runc-floor.js";
import { mustRun, RUNC } from "./run-tools.js";

/** Why runc containers cannot run here, or undefined. */
function whyNotHere(): string | undefined {
  if (!isRoot()) return `needs root (uid 0) for runc, running as uid ${process.getuid?.()}`;
  const lacking = missingTools([RUNC, "tar", "/bin/busybox"]);
  return lacking.length > 0 ? `needs ${lacking.join(", ")} (apt-get install runc tar busybox-static)` : undefined;
}

test("makeRuncFloor: runs busybox true under bare runc, times each phase, leaves no container", async (t) => {
  const why = whyNotHere();
  if (why !== undefined) return t.skip(why);
  const dir = await tempDir("bench-floor-");
  try {
    const image = await makeBusyboxLayout(join(dir.path, "layout"), { tag: "t" });
    const floor = await makeRuncFloor(join(dir.path, "floor"), join(dir.path, "layout", "blobs", "sha256", image.layers[0]!.digest.slice(7)));
    try {
      await floor.runOnce();
      await floor.runOnce();
      const p = await floor.phasesOnce();
      for (const [k, v] of Object.entries(p)) assert.ok(v >= 0 && v < 60_000, `${k} ${v} ms`);
      await floor.leftovers();
    } finally {
      await floor.dispose();
    }
  } finally {
    await dir.remove();
  }
});

test("makeRuncFloor: a missing layer blob fails naming tar, and nothing is left running", async (t) => {
  if (!isRoot()) return t.skip(`needs root (uid 0), running as uid ${process.getuid?.()}`);
  const dir = await tempDir("bench-floor-");
  try {
    await assert.rejects(makeRuncFloor(join(dir.path, "floor"), join(dir.path, "no-such-blob")), /tar .*no-such-blob/);
  } finally {
    await dir.remove();
  }
});

test("makeRuncFloor with berth's spec: binds from the container dir come from the bundle, the cgroup is the bench's, and it runs", async (t) => {
  const why = whyNotHere();
  if (why !== undefined) return t.skip(why);
  const dir = await tempDir("bench-floor-");
  try {
    const image = await makeBusyboxLayout(join(dir.path, "layout"), { tag: "t" });
    await mkdir(join(dir.path, "spec"));
    await mustRun(RUNC, ["spec", "--bundle", join(dir.path, "spec")]);
    const spec = JSON.parse(await readFile(join(dir.path, "spec", "config.json"), "utf8")) as RuntimeSpec;
    spec.mounts = [...(spec.mounts ?? []), { destination: "/etc/hostname", type: "bind", source: "hostname", options: ["rbind", "ro"] }];
    spec.linux = { ...spec.linux, cgroupsPath: "/berth/some-container" };
    spec.root = { path: "/elsewhere/rootfs", readonly: false };
    const floor = await makeRuncFloor(join(dir.path, "floor"), join(dir.path, "layout", "blobs", "sha256", image.layers[0]!.digest.slice(7)),
      { spec, files: new Map([["hostname", Buffer.from("bench-host\n")]]) });
    try {
      const written = JSON.parse(await readFile(join(floor.bundle, "config.json"), "utf8")) as RuntimeSpec;
      assert.deepEqual(written.root, { path: "rootfs", readonly: false });
      assert.deepEqual(written.process.args, ["/bin/busybox", "true"]);
      assert.equal(written.mounts?.find((m) => m.destination === "/etc/hostname")?.source, join(floor.bundle, "hostname"));
      assert.equal(await readFile(join(floor.bundle, "hostname"), "utf8"), "bench-host\n");
      assert.match(written.linux?.cgroupsPath ?? "", /^\/berth-bench-floor-\d+-floor$/);
      assert.equal(spec.root.path, "/elsewhere/rootfs", "the captured spec is left as it was");
      await floor.runOnce();
      await floor.leftovers();
    } finally {
      await floor.dispose();
    }
  } finally {
    await dir.remove();
  }
});
