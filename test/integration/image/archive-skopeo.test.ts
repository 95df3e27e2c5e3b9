// berth's archives against skopeo and umoci: what skopeo writes
// (oci-archive:, docker-archive:) berth imports with the same digests, and
// what berth writes (OCI layout tar and directory, docker-archive) skopeo
// and umoci read, a two-platform index included.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { lstat, readlink } from "node:fs/promises";
import { join } from "node:path";
import { once } from "node:events";
import type { Writable } from "node:stream";
import { describe, it, before, after } from "node:test";
import { ContentStore } from "../../../src/content/index.js";
import { parseDigest, type Descriptor, type Digest } from "../../../src/oci/index.js";
import {
  exportDockerArchive, exportOciLayout, importArchive, readOciLayoutDir, writeOciLayoutDir, type ImageToExport,
} from "../../../src/image/archive/index.js";
import { makeBusyboxLayout, makeMultiPlatformLayout, type ImageFixture, type IndexFixture } from "../../fixtures/make-image.js";
import { isRoot, missingTools } from "../../support/require-root.js";
import { assertSucceeded, run } from "../../support/run.js";
import { skopeo } from "../../support/skopeo.js";
import { tempDir, type TempDir } from "../../support/temp-dir.js";

const missing = missingTools(["skopeo", "umoci", "/bin/busybox"]);
const skip = missing.length > 0 ? `needs ${missing.join(", ")}: apt-get install skopeo umoci busybox-static` : false;

const rawDigest = (raw: string): string => `sha256:${createHash("sha256").update(raw).digest("hex")}`;

/** Run an export into `file` and wait until the file is closed. */
async function writeTo(file: string, write: (out: Writable) => Promise<void>): Promise<void> {
  const out = createWriteStream(file);
  await write(out);
  if (!out.closed) await once(out, "close");
}

describe("archives with skopeo and umoci", { skip, timeout: 300_000 }, () => {
  let tmp: TempDir;
  let layout: string;
  let busybox: ImageFixture;
  let multi: IndexFixture;
  let n = 0;
  const fresh = (): ContentStore => new ContentStore(join(tmp.path, `store-${n++}`));
  const path = (name: string): string => join(tmp.path, name);
  const copy = async (...args: string[]): Promise<void> => {
    assertSucceeded(await skopeo(["copy", ...args], { tmpDir: tmp.path }));
  };

  before(async () => {
    tmp = await tempDir("berth-skopeo-");
    layout = path("layout");
    busybox = await makeBusyboxLayout(layout, { tag: "latest" });
    multi = await makeMultiPlatformLayout(layout, "multi");
  });
  after(async () => tmp?.remove());

  it("imports skopeo's oci-archive with the layout's digests", async () => {
    await copy(`oci:${layout}:latest`, `oci-archive:${path("skopeo-oci.tar")}:latest`);
    const store = fresh();
    const images = await importArchive(path("skopeo-oci.tar"), store);
    assert.deepEqual(images.map((i) => [i.names, i.manifest.digest]), [[["latest"], busybox.manifest.digest]]);
    for (const d of [busybox.config, ...busybox.layers]) {
      assert.equal(await store.verify(d.digest as Digest), d.digest, `${d.mediaType} stored under the layout's digest`);
    }
  });

  it("exports an OCI layout tar that skopeo inspects by tag, for a bare tag and for a reference", async () => {
    const store = fresh();
    const [image] = await readOciLayoutDir(layout, store, { ref: "latest" });
    await writeTo(path("berth-oci.tar"), (out) => exportOciLayout(store, [{ manifest: image!.manifest, names: ["latest", "busybox:1.0"] }], out));
    // busybox:1.0 is found as 1.0: ref.name is the name within the layout (containerd writes the full name beside it).
    for (const tag of ["latest", "1.0"]) {
      const info = JSON.parse(assertSucceeded(await skopeo(["inspect", `oci-archive:${path("berth-oci.tar")}:${tag}`])).stdout) as { Digest: string; Architecture: string };
      assert.equal(info.Digest, busybox.manifest.digest, tag);
      assert.equal(info.Architecture, "amd64");
    }
    await copy(`oci-archive:${path("berth-oci.tar")}:latest`, `oci:${path("skopeo-copy")}:copied`);
  });

  it("writes an OCI layout directory that skopeo inspects and umoci unpacks", async () => {
    const store = fresh();
    const [image] = await readOciLayoutDir(layout, store, { ref: "latest" });
    const dir = path("berth-dir");
    await writeOciLayoutDir(dir, store, [{ manifest: image!.manifest, names: ["v1"] }]);
    const info = JSON.parse(assertSucceeded(await skopeo(["inspect", `oci:${dir}:v1`])).stdout) as { Digest: string };
    assert.equal(info.Digest, busybox.manifest.digest);
    const bundle = path("bundle");
    assertSucceeded(await run("umoci", ["unpack", ...(isRoot() ? [] : ["--rootless"]), "--image", `${dir}:v1`, bundle]));
    assert.equal(await readlink(join(bundle, "rootfs", "bin", "sh")), "busybox");
    assert.equal((await lstat(join(bundle, "rootfs", "bin", "busybox"))).mode & 0o777, 0o755);
  });

  it("keeps a two-platform index digest: skopeo → berth → skopeo", async () => {
    await copy("--all", `oci:${layout}:multi`, `oci-archive:${path("multi-in.tar")}:multi`);
    const store = fresh();
    const [index] = await importArchive(path("multi-in.tar"), store);
    assert.equal(index!.manifest.digest, multi.index.digest);
    const images: ImageToExport[] = [{ manifest: index!.manifest, names: ["multi"] }];
    await writeTo(path("multi-out.tar"), (out) => exportOciLayout(store, images, out));
    const raw = assertSucceeded(await skopeo(["inspect", "--raw", `oci-archive:${path("multi-out.tar")}:multi`])).stdout;
    assert.equal(rawDigest(raw), multi.index.digest);
    await copy("--all", `oci-archive:${path("multi-out.tar")}:multi`, `oci:${path("multi-copy")}:multi`);
    await writeOciLayoutDir(path("multi-dir"), store, images);
    assert.equal(rawDigest(assertSucceeded(await skopeo(["inspect", "--raw", `oci:${path("multi-dir")}:multi`])).stdout), multi.index.digest);
    const arm = JSON.parse(assertSucceeded(await skopeo(["inspect", "--override-arch", "arm64", `oci:${path("multi-dir")}:multi`])).stdout) as { Architecture: string; Layers: string[] };
    assert.deepEqual([arm.Architecture, arm.Layers], ["arm64", multi.images[1]!.layers.map((l) => l.digest)]);
  });

  it("reads skopeo's docker-archive (with its legacy symlinks) and writes one skopeo reads", async () => {
    await copy(`oci:${layout}:latest`, `docker-archive:${path("skopeo-docker.tar")}:busybox:sk`);
    const store = fresh();
    const [image] = await importArchive(path("skopeo-docker.tar"), store);
    assert.deepEqual(image!.names, ["docker.io/library/busybox:sk"]);
    const m = JSON.parse((await store.readBytes(image!.manifest.digest)).toString()) as { config: Descriptor; layers: Descriptor[] };
    assert.equal(m.config.digest, busybox.config.digest);
    assert.deepEqual(m.layers.map((l) => l.digest), busybox.diffIds);

    await writeTo(path("berth-docker.tar"), (out) => exportDockerArchive(store, [{ manifest: image!.manifest, names: image!.names }], out));
    const info = JSON.parse(assertSucceeded(await skopeo(["inspect", `docker-archive:${path("berth-docker.tar")}`])).stdout) as { RepoTags: string[]; Layers: string[] };
    assert.deepEqual(info.Layers, busybox.diffIds);
    await copy(`docker-archive:${path("berth-docker.tar")}`, `oci:${path("from-berth-docker")}:x`);
    const back = await readOciLayoutDir(path("from-berth-docker"), fresh(), { ref: "x" });
    assert.equal(back.length, 1);
    assert.ok(parseDigest(back[0]!.manifest.digest));
  });
});
