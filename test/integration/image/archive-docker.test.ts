// berth's archives against a real dockerd: what `docker save` writes berth
// imports, and what berth writes `docker load` takes and `docker run` runs:
// the image docker saved, and an OCI image whose gzip layer berth decompresses.
import assert from "node:assert/strict";
import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { join } from "node:path";
import type { Writable } from "node:stream";
import { describe, it, before, after } from "node:test";
import { ContentStore } from "../../../src/content/index.js";
import { exportDockerArchive, importArchive, readOciLayoutDir } from "../../../src/image/archive/index.js";
import { makeBusyboxDockerArchive, makeBusyboxLayout, type ImageFixture } from "../../fixtures/make-image.js";
import { startDockerd, type StartedDockerd } from "../../support/dockerd.js";
import { isRoot, missingTools } from "../../support/require-root.js";
import { assertSucceeded } from "../../support/run.js";
import { tempDir, type TempDir } from "../../support/temp-dir.js";

const missing = missingTools(["/usr/sbin/dockerd", "docker", "/bin/busybox"]);
const skip = !isRoot() ? "needs root to start dockerd" : missing.length > 0 ? `needs ${missing.join(", ")}: apt-get install docker.io busybox-static` : false;

async function writeTo(file: string, write: (out: Writable) => Promise<void>): Promise<void> {
  const out = createWriteStream(file);
  await write(out);
  if (!out.closed) await once(out, "close");
}

describe("archives with docker save and docker load", { skip, timeout: 300_000 }, () => {
  let tmp: TempDir;
  let dockerd: StartedDockerd;
  let imageId: string;
  let layout: string;
  let busybox: ImageFixture;
  const path = (name: string): string => join(tmp.path, name);
  const runHi = async (image: string): Promise<void> => {
    const r = assertSucceeded(await dockerd.docker(["run", "--rm", "--network", "none", image, "/bin/echo", "hi"]));
    assert.equal(r.stdout, "hi\n");
  };

  before(async () => {
    tmp = await tempDir("berth-ad-");
    imageId = await makeBusyboxDockerArchive(path("fixture.tar"), "busybox:test");
    layout = path("layout");
    busybox = await makeBusyboxLayout(layout, { tag: "latest" });
    dockerd = await startDockerd({ dir: path("d") });
    assertSucceeded(await dockerd.docker(["load", "-i", path("fixture.tar")]));
    assertSucceeded(await dockerd.docker(["tag", "busybox:test", "berth-test/other:v2"]));
  });
  after(async () => {
    await dockerd?.stop();
    await tmp?.remove();
  });

  it("docker save → berth import → berth export → docker load → docker run", async () => {
    assertSucceeded(await dockerd.docker(["save", "-o", path("saved.tar"), "busybox:test", "berth-test/other:v2"]));
    const store = new ContentStore(path("store"));
    const images = await importArchive(path("saved.tar"), store);
    assert.equal(images.length, 1);
    assert.deepEqual(images[0]!.names, ["busybox:test", "berth-test/other:v2"]);
    const m = JSON.parse((await store.readBytes(images[0]!.manifest.digest)).toString()) as { config: { digest: string } };
    assert.equal(m.config.digest, imageId, "the config docker saved is stored as it was");

    await writeTo(path("berth.tar"), (out) => exportDockerArchive(store, [{ manifest: images[0]!.manifest, names: ["berth-test/roundtrip:1"] }], out));
    assertSucceeded(await dockerd.docker(["rmi", "busybox:test", "berth-test/other:v2"]));
    const loaded = assertSucceeded(await dockerd.docker(["load", "-i", path("berth.tar")]));
    assert.match(loaded.stdout, /Loaded image: berth-test\/roundtrip:1/);
    const id = assertSucceeded(await dockerd.docker(["image", "inspect", "--format", "{{.Id}}", "berth-test/roundtrip:1"]));
    assert.equal(id.stdout.trim(), imageId, "docker sees the same image ID");
    await runHi("berth-test/roundtrip:1");
  });

  it("an OCI image with a gzip layer → berth docker-archive → docker load → docker run", async () => {
    const store = new ContentStore(path("store-oci"));
    const [image] = await readOciLayoutDir(layout, store, { ref: "latest" });
    assert.equal(image!.manifest.digest, busybox.manifest.digest);
    await writeTo(path("from-oci.tar"), (out) => exportDockerArchive(store, [{ manifest: image!.manifest, names: ["berth-test/from-oci:latest"] }], out));
    assertSucceeded(await dockerd.docker(["load", "-i", path("from-oci.tar")]));
    await runHi("berth-test/from-oci:latest");
    const saved = path("from-oci-saved.tar");
    assertSucceeded(await dockerd.docker(["save", "-o", saved, "berth-test/from-oci:latest"]));
    const [again] = await importArchive(saved, new ContentStore(path("store-again")));
    const stored = JSON.parse((await store.readBytes(image!.manifest.digest)).toString()) as { config: { digest: string } };
    const back = JSON.parse((await new ContentStore(path("store-again")).readBytes(again!.manifest.digest)).toString()) as { config: { digest: string } };
    assert.equal(back.config.digest, stored.config.digest, "docker kept the config berth wrote");
  });
});
