import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ImageStore } from "../../image/index.js";
import { digestOf, isBerthError, MediaType } from "../../oci/index.js";
import { checkOutputDest, writeOutput } from "./build-command.js";

describe("berth build --output", () => {
  it("checks the destination before the build: a missing directory or a directory as dest is refused, a file kept", async () => {
    const dir = await mkdtemp(join(tmpdir(), "build-output-"));
    try {
      const missing = join(dir, "no-such-dir", "image.tar");
      await assert.rejects(checkOutputDest(missing), (e: unknown) => isBerthError(e, "INVALID_ARGUMENT") && e.message === `--output dest=${missing}: ${join(dir, "no-such-dir")} is not a directory`);
      await mkdir(join(dir, "d"));
      await assert.rejects(checkOutputDest(join(dir, "d")), (e: unknown) => isBerthError(e, "INVALID_ARGUMENT") && /is a directory/.test(e.message));
      const existing = join(dir, "old.tar");
      await writeFile(existing, "old");
      await checkOutputDest(existing);
      await checkOutputDest(join(dir, "new.tar"));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("leaves an existing file as it was when the export fails", async () => {
    const dir = await mkdtemp(join(tmpdir(), "build-output-"));
    try {
      const store = new ImageStore(join(dir, "root"));
      // A name whose manifest is not in the store: the export fails after the build.
      await store.setName("localhost/broken:latest", { mediaType: MediaType.OciManifest, digest: digestOf("missing"), size: 7 });
      const dest = join(dir, "image.tar");
      await writeFile(dest, "old");
      await assert.rejects(writeOutput(store, "localhost/broken:latest", { type: "oci", dest }));
      assert.equal(await readFile(dest, "utf8"), "old");
      assert.deepEqual((await readdir(dir)).sort(), ["image.tar", "root"], "no temp file left beside it");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
