// The image commands end to end with real peers: docker (a dockerd the test
// starts), skopeo, Debian's docker-registry and berth's own registry.
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { tempDir, type TempDir } from "../../support/temp-dir.js";
import { isRoot, missingTools } from "../../support/require-root.js";
import { startDockerd, type StartedDockerd } from "../../support/dockerd.js";
import { startDistribution, type StartedDistribution } from "../../support/distribution.js";
import { berth, startBerthRegistry, type BerthServer } from "../../support/berth-server.js";
import { skopeo } from "../../support/skopeo.js";
import { assertSucceeded } from "../../support/run.js";
import { makeBusyboxDockerArchive, makeBusyboxLayout, makeMultiPlatformLayout } from "../../fixtures/make-image.js";

const missing = missingTools(["dockerd", "skopeo", "docker-registry", "busybox"]);
const skip = !isRoot() ? "needs root to start dockerd" : missing.length > 0 ? `needs ${missing.join(", ")}` : false;

describe("berth image commands with docker, skopeo and registries", { skip, timeout: 300_000 }, () => {
  let tmp: TempDir;
  let dockerd: StartedDockerd;
  let peer: StartedDistribution;
  let reg: BerthServer;
  let root: string;
  const b = (...args: string[]) => berth(["--root", root, ...args]);

  before(async () => {
    tmp = await tempDir("berth-image-cli-");
    root = join(tmp.path, "root");
    dockerd = await startDockerd({ dir: join(tmp.path, "d") });
    peer = await startDistribution({ dir: join(tmp.path, "peer") });
    reg = await startBerthRegistry({ root: join(tmp.path, "reg") });
  });
  after(async () => {
    await reg?.stop();
    await peer?.stop();
    await dockerd?.stop();
    await tmp?.[Symbol.asyncDispose]();
  });

  it("docker save → berth load → berth push → docker pull → docker run", async () => {
    const archive = join(tmp.path, "fixture.tar");
    await makeBusyboxDockerArchive(archive, "cli/busybox:orig");
    assertSucceeded(await dockerd.docker(["load", "-i", archive]));
    const saved = join(tmp.path, "docker-saved.tar");
    assertSucceeded(await dockerd.docker(["save", "-o", saved, "cli/busybox:orig"]));
    const loaded = assertSucceeded(await b("load", "-i", saved));
    assert.match(loaded.stdout, /Loaded image: docker\.io\/cli\/busybox:orig/);
    const target = `${peer.host}/cli/busybox:pushed`;
    assertSucceeded(await b("tag", "cli/busybox:orig", target));
    assertSucceeded(await b("push", "--quiet", target));
    assertSucceeded(await dockerd.docker(["pull", target]));
    const ran = assertSucceeded(await dockerd.docker(["run", "--rm", "--network", "none", target, "/bin/echo", "loaded and pushed"]));
    assert.equal(ran.stdout.trim(), "loaded and pushed");
  });

  it("berth pull → berth save → docker load → docker run, same image id", async () => {
    const src = `${peer.host}/cli/busybox:pushed`;
    assertSucceeded(await b("pull", "--quiet", src));
    const out = join(tmp.path, "berth-saved.tar");
    assertSucceeded(await b("save", "-o", out, src));
    const load = assertSucceeded(await dockerd.docker(["load", "-i", out]));
    assert.match(load.stdout, new RegExp(`Loaded image: ${src.replace(/[.]/g, "\\.")}`));
    const ran = assertSucceeded(await dockerd.docker(["run", "--rm", "--network", "none", src, "/bin/echo", "saved by berth"]));
    assert.equal(ran.stdout.trim(), "saved by berth");
    const berthId = JSON.parse(assertSucceeded(await b("image", "inspect", src)).stdout) as { Id: string }[];
    const dockerId = assertSucceeded(await dockerd.docker(["image", "inspect", "--format", "{{.Id}}", src])).stdout.trim();
    assert.equal(berthId[0]?.Id, dockerId);
  });

  it("pulls the right platform of a two-platform index, and all of them with --all-platforms", async () => {
    const layout = join(tmp.path, "multi");
    await makeMultiPlatformLayout(layout, "multi");
    assertSucceeded(await skopeo(["copy", "--all", "--dest-tls-verify=false", `oci:${layout}:multi`, `docker://${reg.host}/cli/multi:1`], { tmpDir: tmp.path }));
    const ref = `${reg.host}/cli/multi:1`;
    assertSucceeded(await b("pull", "--quiet", "--platform", "linux/arm64", "--no-unpack", ref));
    const arm = JSON.parse(assertSucceeded(await b("image", "inspect", ref)).stdout) as { Architecture: string }[];
    assert.equal(arm[0]?.Architecture, "arm64", "only arm64 was pulled, so inspect shows it");
    const saved = join(tmp.path, "arm.tar");
    assertSucceeded(await b("save", "--platform", "linux/arm64", "-o", saved, ref));
    assertSucceeded(await skopeo(["inspect", `docker-archive:${saved}`]).then((r) => {
      assert.equal((JSON.parse(r.stdout) as { Architecture: string }).Architecture, "arm64");
      return r;
    }));
    const amd = await b("pull", "--quiet", "--platform", "linux/amd64", ref);
    assert.equal(amd.code, 0, amd.stderr);
    const all = join(tmp.path, "all.tar");
    assertSucceeded(await b("pull", "--quiet", "--all-platforms", "--no-unpack", ref));
    assertSucceeded(await b("save", "--format", "oci", "-o", all, ref));
    const idx = JSON.parse(assertSucceeded(await skopeo(["inspect", "--raw", `oci-archive:${all}`])).stdout) as { manifests: unknown[] };
    assert.equal(idx.manifests.length, 2, "both platforms were pulled and saved");
    const bad = await b("pull", "--quiet", "--platform", "linux/s390x", ref);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /linux\/s390x/);
  });

  it("copies registry to registry and pushes to an OCI layout that skopeo reads", async () => {
    const src = `${peer.host}/cli/busybox:pushed`;
    const dest = `${reg.host}/copied/busybox:1`;
    assertSucceeded(await b("copy", "--quiet", src, dest));
    const a = assertSucceeded(await skopeo(["inspect", "--tls-verify=false", "--raw", `docker://${src}`])).stdout;
    const c = assertSucceeded(await skopeo(["inspect", "--tls-verify=false", "--raw", `docker://${dest}`])).stdout;
    assert.equal(c, a, "the copy has the same manifest bytes");
    // An OCI image (skopeo reads only OCI media types from a layout's index.json).
    const layout = join(tmp.path, "busybox-oci");
    await makeBusyboxLayout(layout, { tag: "latest" });
    const oci = `${reg.host}/cli/oci-busybox:1`;
    assertSucceeded(await skopeo(["copy", "--dest-tls-verify=false", `oci:${layout}:latest`, `docker://${oci}`], { tmpDir: tmp.path }));
    assertSucceeded(await b("pull", "--quiet", oci));
    const dir = join(tmp.path, "layout-out");
    assertSucceeded(await b("push", "--quiet", oci, `oci:${dir}:v1`));
    assertSucceeded(await skopeo(["inspect", `oci:${dir}:v1`]));
  });

  it("fails clearly for an image that does not exist: pull exits 3, rmi 1 (as rm and docker's rmi)", async () => {
    const r = await b("pull", "--quiet", `${reg.host}/no/such:image`);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /no\/such/);
    const rmi = await b("rmi", "never-pulled:1");
    assert.equal(rmi.code, 1);
    assert.match(rmi.stderr, /not found/);
  });
});
