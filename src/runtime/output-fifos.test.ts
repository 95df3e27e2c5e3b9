import assert from "node:assert/strict";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { openOutputFifos } from "./output-fifos.js";

describe("openOutputFifos", () => {
  it("leaves no FIFO behind when it cannot make the second", async () => {
    const dir = await mkdtemp(join(tmpdir(), "berth-output-fifos-"));
    try {
      await assert.rejects(openOutputFifos([join(dir, "out"), join(dir, "missing", "err")]), /mkfifo/);
      assert.deepEqual(await readdir(dir), []);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
