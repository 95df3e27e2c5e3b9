import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { makeBusyboxLayout } from "../../test/fixtures/make-image.js";
import { isRoot, missingTools } from "../../test/support/require-root.js";
import { tempDir } from "../../test/support/temp-dir.js";
import { makeRuncFloor } from "./runc-floor.js";
import { RUNC } from "./run-tools.js";

test("makeRuncFloor: runs busybox true under bare runc, times each phase, leaves no container", async (t) => {
  if (!isRoot()) return t.skip(`needs root (uid 0) for runc, running as uid ${process.getuid?.()}`);
  const lacking = missingTools([RUNC, "tar", "/bin/busybox"]);
  if (lacking.length > 0) return t.skip(`needs ${lacking.join(", ")} (apt-get install runc tar busybox-static)`);
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
