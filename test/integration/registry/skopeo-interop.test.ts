// skopeo as the registry client: images and a two-platform index copied from
// an OCI layout into berth, back out, and between berth and Debian's
// docker-registry (CNCF distribution 2.8) in both directions, digests unchanged.
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { createHash } from "node:crypto";
import { tempDir, type TempDir } from "../../support/temp-dir.js";
import { missingTools } from "../../support/require-root.js";
import { skopeo } from "../../support/skopeo.js";
import { assertSucceeded } from "../../support/run.js";
import { startDistribution, type StartedDistribution } from "../../support/distribution.js";
import { startBerthRegistry, berth, type BerthServer } from "../../support/berth-server.js";
import { makeBusyboxLayout, makeMultiPlatformLayout } from "../../fixtures/make-image.js";

const missing = missingTools(["skopeo", "docker-registry", "busybox"]);
const skip = missing.length > 0 ? `needs ${missing.join(", ")}: apt-get install skopeo docker-registry busybox-static` : false;

describe("skopeo against berth's registry", { skip }, () => {
  let tmp: TempDir;
  let berthReg: BerthServer;
  let peer: StartedDistribution;
  let single: string;
  let multi: string;

  before(async () => {
    tmp = await tempDir("berth-skopeo-");
    single = join(tmp.path, "single");
    multi = join(tmp.path, "multi");
    await makeBusyboxLayout(single, { tag: "latest" });
    await makeMultiPlatformLayout(multi, "multi");
    berthReg = await startBerthRegistry({ root: join(tmp.path, "berth") });
    peer = await startDistribution({ dir: join(tmp.path, "peer") });
  });
  after(async () => {
    await berthReg?.stop();
    await peer?.stop();
    await tmp?.[Symbol.asyncDispose]();
  });

  const copy = async (...args: string[]): Promise<void> => {
    assertSucceeded(await skopeo(["copy", "--src-tls-verify=false", "--dest-tls-verify=false", ...args], { tmpDir: tmp.path }));
  };
  const rawDigest = async (ref: string): Promise<string> => {
    const r = assertSucceeded(await skopeo(["inspect", "--raw", "--tls-verify=false", ref]));
    return `sha256:${createHash("sha256").update(r.stdout).digest("hex")}`;
  };

  it("pushes an image from an OCI layout and pulls it back unchanged", async () => {
    const want = await rawDigest(`oci:${single}:latest`);
    await copy(`oci:${single}:latest`, `docker://${berthReg.host}/interop/busybox:1.0`);
    assert.equal(await rawDigest(`docker://${berthReg.host}/interop/busybox:1.0`), want);
    const out = join(tmp.path, "out-single");
    await copy(`docker://${berthReg.host}/interop/busybox:1.0`, `oci:${out}:pulled`);
    assert.equal(await rawDigest(`oci:${out}:pulled`), want);
    const tags = assertSucceeded(await skopeo(["list-tags", "--tls-verify=false", `docker://${berthReg.host}/interop/busybox`]));
    assert.deepEqual((JSON.parse(tags.stdout) as { Tags: string[] }).Tags, ["1.0"]);
  });

  it("copies a two-platform index with --all, both platforms, digests unchanged", async () => {
    const want = await rawDigest(`oci:${multi}:multi`);
    await copy("--all", `oci:${multi}:multi`, `docker://${berthReg.host}/interop/multi:latest`);
    assert.equal(await rawDigest(`docker://${berthReg.host}/interop/multi:latest`), want);
    const out = join(tmp.path, "out-multi");
    await copy("--all", `docker://${berthReg.host}/interop/multi:latest`, `oci:${out}:multi`);
    assert.equal(await rawDigest(`oci:${out}:multi`), want);
    const arm = assertSucceeded(await skopeo(["inspect", "--tls-verify=false", "--override-arch", "arm64", `docker://${berthReg.host}/interop/multi:latest`]));
    assert.equal((JSON.parse(arm.stdout) as { Architecture: string }).Architecture, "arm64");
  });

  it("copies between berth and docker-registry in both directions, digests unchanged", async () => {
    const want = await rawDigest(`oci:${multi}:multi`);
    await copy("--all", `docker://${berthReg.host}/interop/multi:latest`, `docker://${peer.host}/from-berth/multi:latest`);
    assert.equal(await rawDigest(`docker://${peer.host}/from-berth/multi:latest`), want);
    await copy("--all", `docker://${peer.host}/from-berth/multi:latest`, `docker://${berthReg.host}/from-peer/multi:latest`);
    assert.equal(await rawDigest(`docker://${berthReg.host}/from-peer/multi:latest`), want);
    const single1 = await rawDigest(`oci:${single}:latest`);
    await copy(`oci:${single}:latest`, `docker://${peer.host}/peer/busybox:x`);
    await copy(`docker://${peer.host}/peer/busybox:x`, `docker://${berthReg.host}/peer/busybox:x`);
    assert.equal(await rawDigest(`docker://${berthReg.host}/peer/busybox:x`), single1);
  });

  it("keeps a store that fsck passes", async () => {
    await berthReg.stop();
    const r = await berth(["--root", join(tmp.path, "berth"), "registry", "fsck"]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /verified \d+ blobs .*; 0 problems/);
    berthReg = await startBerthRegistry({ root: join(tmp.path, "berth") });
  });
});
