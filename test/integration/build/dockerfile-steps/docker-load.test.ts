// A step's layer against a real dockerd: docker load recomputes every diffID
// (a wrong one fails the load) and applies the whiteouts and opaque dirs with
// its own code, so `docker run` must see what the step left.
import assert from "node:assert/strict";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { after, before, describe, it } from "node:test";
import { openImage } from "../../../../src/image/index.js";
import { hostPlatform } from "../../../../src/oci/index.js";
import { writeDockerArchive } from "../../../fixtures/docker-archive.js";
import { sha256 } from "../../../fixtures/layer-tar.js";
import { startDockerd, type StartedDockerd } from "../../../support/dockerd.js";
import { missingTools } from "../../../support/require-root.js";
import { assertSucceeded } from "../../../support/run.js";
import { tempDir, type TempDir } from "../../../support/temp-dir.js";
import { commit, makeStepFixture, sh, stepsUnsupported, type StepFixture } from "./steps-fixture.js";

const why = await stepsUnsupported();
const missing = missingTools(["/usr/sbin/dockerd", "docker"]);
const skip = why ?? (missing.length > 0 ? `needs ${missing.join(", ")}: apt-get install docker.io` : false);

describe("a step's layers load and run in docker", { skip, timeout: 300_000 }, () => {
  let f: StepFixture;
  let tmp: TempDir;
  let dockerd: StartedDockerd;
  before(async () => {
    f = await makeStepFixture();
    tmp = await tempDir("berth-dl-");
    dockerd = await startDockerd({ dir: join(tmp.path, "d") });
  });
  after(async () => {
    await dockerd?.stop();
    await tmp?.remove();
    await f?.runtime.tmp.remove();
  });

  it("whiteouts, opaque dirs, hard links and symlinks come out in docker as in the step", async () => {
    const a = await commit(f, await sh(f, "/bin/busybox mkdir -p /data/old && echo a > /data/old/a && echo gone > /data/gone && echo keep > /data/keep"));
    const step = await sh(f, [
      "/bin/busybox rm /data/gone", "/bin/busybox rm -r /data/old", "/bin/busybox mkdir /data/old", "echo c > /data/old/c", "echo more >> /data/keep",
      "/bin/busybox ln /data/keep /data/hard", "/bin/busybox ln -s keep /data/soft", "/bin/busybox rm /etc/group",
    ].join(" && "), { lowerDirs: await f.snapshots.lowerDirs(a.chainId) });
    assert.equal(step.exitCode, 0, step.stderr);
    const b = await commit(f, step, a.chainId);

    const [record] = await f.store.lookup("localhost/busybox:t1");
    const view = await openImage(f.store.content, record!.target, hostPlatform());
    const blobs = [...view.layers.map((l) => l.digest), a.layer.descriptor.digest, b.layer.descriptor.digest];
    const layers = await Promise.all(blobs.map(async (digest) => {
      const gzip = await f.store.content.readBytes(digest);
      const tar = gunzipSync(gzip);
      return { tar, gzip, diffId: sha256(tar), digest };
    }));
    assert.deepEqual(layers.slice(1).map((l) => l.diffId), [a.layer.diffId, b.layer.diffId], "diffID = sha256 of the uncompressed tar");
    const config = {
      ...view.config,
      rootfs: { type: "layers", diff_ids: layers.map((l) => l.diffId) },
      history: [...(view.config.history ?? []), { created_by: "RUN a" }, { created_by: "RUN b" }],
    };
    const archive = join(tmp.path, "steps.tar");
    await writeDockerArchive(archive, { config: Buffer.from(JSON.stringify(config)), layers, repoTags: ["berth-steps:test"] });
    assertSucceeded(await dockerd.docker(["load", "-i", archive]));
    const script = [
      "/bin/busybox test ! -e /data/gone && echo gone-ok", "/bin/busybox ls /data/old", "cat /data/keep",
      "/bin/busybox test /data/hard -ef /data/keep && echo hard-ok", "/bin/busybox readlink /data/soft", "/bin/busybox test ! -e /etc/group && echo group-ok",
    ].join("; ");
    const r = assertSucceeded(await dockerd.docker(["run", "--rm", "--network", "none", "berth-steps:test", "/bin/sh", "-c", script]));
    assert.equal(r.stdout, "gone-ok\nc\nkeep\nmore\nhard-ok\nkeep\ngroup-ok\n");
  });
});
