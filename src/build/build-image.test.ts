import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ImageStore, openImage } from "../image/index.js";
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

  it("refuses a tag with a digest before building (it was stored as an untagged name)", async () => {
    const dir = await mkdtemp(join(tmpdir(), "build-image-"));
    try {
      const store = new ImageStore(join(dir, "root"));
      const tag = `localhost/x@sha256:${"0".repeat(64)}`;
      await assert.rejects(buildImage(store, { context: dir, dockerfileText: "FROM scratch\n", tags: ["localhost/ok:1", tag] }),
        (e: unknown) => isBerthError(e, "INVALID_ARGUMENT") && e.message === `-t ${tag}: a build tag cannot carry a digest`);
      assert.deepEqual(await store.list(), [], "nothing was built or named");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("an aborted build stops before its next step and names nothing, even when the step running took no notice", async () => {
    const dir = await mkdtemp(join(tmpdir(), "build-image-"));
    try {
      const store = new ImageStore(join(dir, "root"));
      const ac = new AbortController();
      const lines: string[] = [];
      const onProgress = (l: string): void => {
        lines.push(l);
        if (l.startsWith("#2 ")) ac.abort(new Error("interrupted")); // as Ctrl-C during step 2, which only changes the config
      };
      await assert.rejects(buildImage(store, { context: dir, dockerfileText: "FROM scratch\nLABEL a=b\nLABEL c=d\n", tags: ["localhost/aborted:1"] }, { onProgress, signal: ac.signal }), /interrupted/);
      assert.equal(lines.some((l) => l.startsWith("#3 ")), false, lines.join("\n"));
      assert.deepEqual(await store.list(), [], "nothing was named");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("builds the Dockerfile text it is given (-f -) instead of the context's Dockerfile; errors name it stdin", async () => {
    const dir = await mkdtemp(join(tmpdir(), "build-image-"));
    try {
      const store = new ImageStore(join(dir, "root"));
      const context = join(dir, "ctx");
      await mkdir(context);
      await writeFile(join(context, "Dockerfile"), "FROM scratch\nLABEL from=file\n");
      const built = await buildImage(store, { context, dockerfileText: "FROM scratch\nLABEL from=stdin\n", tags: ["localhost/stdin:1"] });
      assert.equal(built.kind, "dockerfile");
      const [rec] = await store.lookup("localhost/stdin:1");
      assert.ok(rec);
      assert.deepEqual((await openImage(store.content, rec.target)).config.config?.Labels, { from: "stdin" });
      await assert.rejects(buildImage(store, { context, dockerfileText: "FROM scratch\nFOO\n", tags: [] }),
        (e: unknown) => isBerthError(e, "INVALID_ARGUMENT") && e.message === "stdin:2: unknown instruction: FOO");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
