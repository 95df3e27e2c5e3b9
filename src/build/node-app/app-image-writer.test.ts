import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ImageStore, openImage } from "../../image/index.js";
import { writeBaseImage } from "../base-image-writer.js";
import { writeLayer } from "../layer-writer.js";
import { mergeEnv, writeAppImage, type AppImageSettings } from "./app-image-writer.js";

describe("writeAppImage", () => {
  it("appends layers to the base, merges env and labels, and is deterministic", async () => {
    const dir = await mkdtemp(join(tmpdir(), "berth-aiw-"));
    try {
      const store = new ImageStore(join(dir, "root"));
      const file = (path: string, text: string) => ({ path, type: "file" as const, mode: 0o644, uid: 0, gid: 0, data: Buffer.from(text) });
      const baseLayer = await writeLayer([file("etc", "x")], 0, store.content);
      const baseDesc = await writeBaseImage([baseLayer], {
        platform: { os: "linux", architecture: "amd64" }, epochSeconds: 0, user: "65532:65532", env: ["PATH=/usr/bin", "NODE_ENV=development"],
        labels: { "x.base": "1" }, history: ["base"],
      }, store.content);
      const base = await openImage(store.content, baseDesc);
      const appLayer = await writeLayer([{ path: "app", type: "directory", mode: 0o755, uid: 0, gid: 0 }, file("app/a.js", "1")], 100, store.content);
      const s: AppImageSettings = {
        epochSeconds: 100, entrypoint: ["/usr/bin/node"], cmd: ["/app/a.js"], workdir: "/app", user: "65532:65532",
        env: ["NODE_ENV=production"], labels: { "org.opencontainers.image.created": "x" }, exposedPorts: ["8080/tcp", "53/udp"], history: ["app"],
      };
      const d1 = await writeAppImage(base, [appLayer], s, store.content);
      const d2 = await writeAppImage(base, [appLayer], s, store.content);
      assert.equal(d1.digest, d2.digest);
      const v = await openImage(store.content, d1);
      assert.deepEqual(v.layers.map((l) => l.digest), [baseLayer.descriptor.digest, appLayer.descriptor.digest]);
      assert.deepEqual(v.config.rootfs.diff_ids, [baseLayer.diffId, appLayer.diffId]);
      assert.deepEqual(v.config.config?.Env, ["PATH=/usr/bin", "NODE_ENV=production"]);
      assert.deepEqual(v.config.config?.Labels, { "org.opencontainers.image.created": "x", "x.base": "1" });
      assert.deepEqual(Object.keys(v.config.config?.ExposedPorts ?? {}), ["53/udp", "8080/tcp"]);
      assert.equal(v.config.created, "1970-01-01T00:01:40.000Z");
      assert.deepEqual(v.config.history?.map((h) => h.created_by), ["base", "app"]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("mergeEnv replaces in place and appends new names", () => {
    assert.deepEqual(mergeEnv(["A=1", "B=2"], ["B=3", "C=4", "A=x=y"]), ["A=x=y", "B=3", "C=4"]);
  });
});
