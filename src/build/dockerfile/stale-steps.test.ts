import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdir, mkdtemp, readdir, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { downloadDirPrefix, removeStaleSteps } from "./stale-steps.js";

/** The pid of a process that has exited (and been reaped). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
  return Number(r.stdout);
}

describe("removeStaleSteps", () => {
  it("removes the step and ADD download directories of a build that is gone, and keeps this process's", async () => {
    const dir = await mkdtemp(join(tmpdir(), "stale-steps-"));
    try {
      const work = join(dir, "steps");
      await mkdir(work);
      const dead = deadPid();
      // Made as a build makes them; renamed as if a build with the dead pid had made them.
      const download = await mkdtemp(join(work, downloadDirPrefix()));
      await writeFile(join(download, "url-0"), "half a download");
      const killedDownload = join(work, basename(download).replace(`add-${process.pid}-`, `add-${dead}-`));
      await rename(download, killedDownload);
      await mkdir(join(work, `step-${dead}-0123456789ab`, "upper"), { recursive: true });
      const ours = [`step-${process.pid}-0123456789ab`, basename(await mkdtemp(join(work, downloadDirPrefix()))), "other"];
      await mkdir(join(work, ours[0]!));
      await mkdir(join(work, "other"));
      const removed = await removeStaleSteps(work, join(dir, "runc"));
      assert.deepEqual(removed.map((p) => basename(p)).sort(), [basename(killedDownload), `step-${dead}-0123456789ab`].sort());
      assert.deepEqual((await readdir(work)).sort(), [...ours].sort());
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
