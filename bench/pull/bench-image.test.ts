import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { gunzipSync } from "node:zlib";
import { extract } from "tar-stream";
import { tempDir } from "../../test/support/temp-dir.js";
import { makeBenchImage, type BenchImage } from "./bench-image.js";
import { contentBytes } from "./layer-content.js";
import { layerPlan, planTotals } from "./layer-plan.js";

const sha256 = (b: Buffer): string => `sha256:${createHash("sha256").update(b).digest("hex")}`;
const blob = (img: BenchImage, digest: string): Promise<Buffer> => readFile(join(img.layoutDir, "blobs", "sha256", digest.slice(7)));

async function tarEntries(tar: Buffer): Promise<{ name: string; type: string; size: number }[]> {
  const out: { name: string; type: string; size: number }[] = [];
  const ex = extract();
  const done = new Promise<void>((resolve, reject) => {
    ex.on("entry", (h, stream, next) => {
      out.push({ name: h.name, type: h.type, size: h.size });
      stream.on("end", () => next());
      stream.resume();
    });
    ex.on("finish", resolve);
    ex.on("error", reject);
  });
  ex.end(tar);
  await done;
  return out;
}

test("contentBytes: same seed same bytes; random does not compress, text does", () => {
  assert.deepEqual(contentBytes("log", 100_000, "s"), contentBytes("log", 100_000, "s"));
  assert.notDeepEqual(contentBytes("random", 4096, "a"), contentBytes("random", 4096, "b"));
  for (const kind of ["random", "sparse", "log", "records", "source"] as const) assert.equal(contentBytes(kind, 12_345, "x").length, 12_345);
});

test("layerPlan: about --mib MiB of files, small files unscaled", () => {
  const MiB = 1024 * 1024;
  for (const mib of [40, 64, 300, 1000]) {
    const t = planTotals(layerPlan(mib));
    assert.ok(Math.abs(t.bytes / MiB - mib) < 1, `${mib} MiB planned, got ${t.bytes / MiB}`);
    assert.equal(t.files, 4768);
  }
});

test("makeBenchImage: a valid OCI layout, digests and diff_ids right, every file there, deterministic", async () => {
  const dir = await tempDir("bench-img-");
  try {
    const plan = layerPlan(40);
    const img = await makeBenchImage(join(dir.path, "a"), plan, "v1");
    const index = JSON.parse(await readFile(join(img.layoutDir, "index.json"), "utf8")) as { manifests: { digest: string; annotations: Record<string, string> }[] };
    assert.equal(index.manifests[0]?.digest, img.manifest.digest);
    assert.equal(index.manifests[0]?.annotations["org.opencontainers.image.ref.name"], "v1");
    const manifest = JSON.parse((await blob(img, img.manifest.digest)).toString()) as { config: { digest: string }; layers: { digest: string; size: number }[] };
    const config = JSON.parse((await blob(img, manifest.config.digest)).toString()) as { rootfs: { diff_ids: string[] }; os: string };
    assert.equal(config.os, "linux");
    assert.equal(manifest.layers.length, 10);
    let files = 0;
    let bytes = 0;
    for (const [i, desc] of manifest.layers.entries()) {
      const gz = await blob(img, desc.digest);
      assert.equal(sha256(gz), desc.digest);
      assert.equal(gz.length, desc.size);
      const tar = gunzipSync(gz);
      assert.equal(sha256(tar), config.rootfs.diff_ids[i], `diff_id of layer ${i}`);
      for (const e of await tarEntries(tar)) {
        assert.ok(!e.name.startsWith("/") && !e.name.split("/").includes(".."), `${e.name} stays inside the rootfs`);
        if (e.type === "file") {
          files++;
          bytes += e.size;
        }
      }
    }
    assert.deepEqual({ files, bytes }, { files: img.files, bytes: img.fileBytes });
    const runtime = img.layers.find((l) => l.name === "runtime")!;
    const logs = img.layers.find((l) => l.name === "logs")!;
    assert.ok(runtime.size > runtime.tarSize * 0.99, "random layer does not compress");
    assert.ok(logs.size < logs.tarSize * 0.5, "text layer compresses");
    const again = await makeBenchImage(join(dir.path, "b"), plan, "v1");
    assert.equal(again.manifest.digest, img.manifest.digest, "same plan, same image");
    await rm(join(dir.path, "b"), { recursive: true });
  } finally {
    await dir.remove();
  }
});
