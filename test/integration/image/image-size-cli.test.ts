// One image id has one size: `berth images` and `berth image inspect` agree,
// whether the layers were stored gzipped (an OCI layout) or not (a
// docker-archive), and count the unpacked layers as docker does.
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { berth } from "../../support/berth-server.js";
import { assertSucceeded } from "../../support/run.js";
import { tempDir, type TempDir } from "../../support/temp-dir.js";
import { writeDockerArchive } from "../../fixtures/docker-archive.js";
import { makeTextLayout } from "../../fixtures/make-image.js";

describe("image sizes", { timeout: 60_000 }, () => {
  let tmp: TempDir;
  before(async () => (tmp = await tempDir("berth-image-size-")));
  after(async () => tmp?.remove());

  it("images and image inspect show the unpacked size for the same image stored gzipped and uncompressed", async () => {
    const root = join(tmp.path, "root");
    const layout = join(tmp.path, "layout");
    const image = await makeTextLayout(layout);
    const blob = (d: string): Promise<Buffer> => readFile(join(layout, "blobs", "sha256", d.slice(7)));
    const tar = gunzipSync(await blob(image.layers[0]!.digest));
    assert.ok(tar.length > image.layers[0]!.size, "the fixture's layer compresses");
    const archive = join(tmp.path, "plain.tar");
    await writeDockerArchive(archive, {
      config: await blob(image.config.digest),
      layers: [{ tar, gzip: Buffer.alloc(0), diffId: image.diffIds[0]!, digest: image.diffIds[0]! }],
      repoTags: ["plain:1"],
    });
    const b = (...args: string[]) => berth(["--root", root, ...args]);
    assertSucceeded(await b("load", "-i", archive));
    assertSucceeded(await b("pull", "-q", `oci:${layout}:latest`));
    const listed = JSON.parse(assertSucceeded(await b("images", "--format", "json")).stdout) as { repository: string; id: string; size: number }[];
    assert.deepEqual(listed.map((i) => [i.repository, i.id, i.size]).sort(), [
      ["localhost/layout", image.config.digest, tar.length],
      ["plain", image.config.digest, tar.length],
    ]);
    const inspected = JSON.parse(assertSucceeded(await b("image", "inspect", "plain:1", "localhost/layout:latest")).stdout) as { Size: number }[];
    assert.deepEqual(inspected.map((i) => i.Size), [tar.length, tar.length]);
  });
});
