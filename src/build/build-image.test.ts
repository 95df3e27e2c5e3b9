import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ImageStore } from "../image/index.js";
import { isBerthError } from "../oci/index.js";
import { buildImage } from "./build-image.js";

describe("buildImage", () => {
  it("refuses a context that is missing or not a directory, naming it, before choosing a builder", async () => {
    const dir = await mkdtemp(join(tmpdir(), "build-image-"));
    try {
      const store = new ImageStore(join(dir, "root"));
      const missing = join(dir, "no-such-dir");
      await assert.rejects(buildImage(store, { context: missing, tags: [] }),
        (e: unknown) => isBerthError(e, "NOT_FOUND") && e.message === `build context ${missing}: no such directory`);
      const file = join(dir, "Dockerfile");
      await writeFile(file, "FROM scratch\n");
      await assert.rejects(buildImage(store, { context: file, tags: [] }),
        (e: unknown) => isBerthError(e, "INVALID_ARGUMENT") && e.message === `build context ${file}: not a directory`);
      await assert.rejects(buildImage(store, { context: missing, dockerfile: file, tags: [] }),
        (e: unknown) => isBerthError(e, "NOT_FOUND") && /no such directory/.test(e.message), "with -f too");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
