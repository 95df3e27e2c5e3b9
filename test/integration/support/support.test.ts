// Self-test of test/support and test/fixtures against the real tools: if these fail, every
// integration test built on them would fail for the wrong reason.
import assert from "node:assert/strict";
import { lstat, readFile, readlink } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import {
  makeBusyboxDockerArchive, makeBusyboxLayout, makeMultiPlatformLayout, makeRandomBlob, REF_NAME,
} from "../../fixtures/make-image.js";
import { startDistribution } from "../../support/distribution.js";
import { startDockerd } from "../../support/dockerd.js";
import { isRoot, requireRoot, requireTools } from "../../support/require-root.js";
import { assertSucceeded, run, type RunResult } from "../../support/run.js";
import { skopeo } from "../../support/skopeo.js";
import { tempDir } from "../../support/temp-dir.js";

const BUSYBOX = "/bin/busybox";

/** Golden values: the arm64 image holds only text, so these hold on every host. */
const ARM64_DIFF_ID = "sha256:3c51311b94a3d41139f6753d211b8bae90dec62f0e984e46c23b3805cf8cd056";
const ARM64_CONFIG = "sha256:5ee3ffa0ac85572630af5d22192a7838992fcd824d9af3c3a8f83f22dad768f0";

interface IndexJson {
  manifests: { digest: string; annotations?: Record<string, string> }[];
}
const taggedDigest = async (layout: string, tag: string): Promise<string | undefined> => {
  const index = JSON.parse(await readFile(join(layout, "index.json"), "utf8")) as IndexJson;
  return index.manifests.find((d) => d.annotations?.[REF_NAME] === tag)?.digest;
};

test("fixtures are deterministic", async (t) => {
  if (!requireTools(t, [BUSYBOX])) return;
  const dir = await tempDir("berth-");
  try {
    const a = await makeBusyboxLayout(join(dir.path, "a"), { tag: "v1" });
    const b = await makeBusyboxLayout(join(dir.path, "b"), { tag: "v1" });
    assert.deepEqual(a, b);
    assert.equal(a.manifest.platform?.architecture, "amd64");
    const multi = await makeMultiPlatformLayout(join(dir.path, "a"), "multi");
    assert.deepEqual(multi.images[0], a);
    assert.deepEqual(multi.images[1]?.diffIds, [ARM64_DIFF_ID]);
    assert.equal(multi.images[1]?.config.digest, ARM64_CONFIG);
    assert.equal(await taggedDigest(join(dir.path, "a"), "v1"), a.manifest.digest, "index.json keeps the first tag");
    assert.equal(await taggedDigest(join(dir.path, "a"), "multi"), multi.index.digest);
    assert.equal(makeRandomBlob(7, 1).toString("hex"), "21200400010608");
    assert.deepEqual(makeRandomBlob(4096, 42), makeRandomBlob(4096, 42));
    assert.notDeepEqual(makeRandomBlob(64, 1), makeRandomBlob(64, 2));
  } finally {
    await dir.remove();
  }
});

test("skopeo and umoci read the layouts", async (t) => {
  if (!requireTools(t, [BUSYBOX, "skopeo", "umoci"])) return;
  const dir = await tempDir("berth-");
  try {
    const layout = join(dir.path, "layout");
    const image = await makeBusyboxLayout(layout);
    const multi = await makeMultiPlatformLayout(layout, "multi");
    const inspected = JSON.parse(assertSucceeded(await skopeo(["inspect", `oci:${layout}:latest`])).stdout) as {
      Digest: string; Architecture: string; Os: string; Layers: string[];
    };
    assert.deepEqual(
      [inspected.Digest, inspected.Os, inspected.Architecture, inspected.Layers],
      [image.manifest.digest, "linux", "amd64", image.layers.map((l) => l.digest)],
    );
    assertSucceeded(await skopeo(["copy", `oci:${layout}:latest`, `dir:${join(dir.path, "copy")}`], { tmpDir: dir.path }));
    const raw = JSON.parse(assertSucceeded(await skopeo(["inspect", "--raw", `oci:${layout}:multi`])).stdout) as IndexJson;
    assert.deepEqual(raw.manifests.map((m) => m.digest), multi.images.map((i) => i.manifest.digest));
    assertSucceeded(await skopeo(["copy", "--all", `oci:${layout}:multi`, `dir:${join(dir.path, "all")}`], { tmpDir: dir.path }));

    // umoci 0.4 unpacks a single manifest only (an index tag is "ambiguous" to it).
    const bundle = join(dir.path, "bundle");
    assertSucceeded(await umociUnpack(`${layout}:latest`, bundle));
    assert.equal(await readlink(join(bundle, "rootfs", "bin", "sh")), "busybox");
    assert.equal((await lstat(join(bundle, "rootfs", "bin", "busybox"))).mode & 0o777, 0o755);
  } finally {
    await dir.remove();
  }
});

/** `umoci unpack`, with --rootless when not root (it cannot chown then). */
const umociUnpack = (image: string, bundle: string): Promise<RunResult> =>
  run("umoci", ["unpack", ...(isRoot() ? [] : ["--rootless"]), "--image", image, bundle]);

test("distribution: skopeo pushes the layouts and pulls them back unchanged", async (t) => {
  if (!requireTools(t, [BUSYBOX, "skopeo", "/usr/bin/docker-registry"])) return;
  const dir = await tempDir("berth-");
  try {
    const layout = join(dir.path, "layout");
    const image = await makeBusyboxLayout(layout);
    const multi = await makeMultiPlatformLayout(layout, "multi");
    const registry = await startDistribution({ dir: join(dir.path, "registry") });
    try {
      const repo = `docker://${registry.host}/berth/busybox`;
      const push = ["copy", "--dest-tls-verify=false"];
      assertSucceeded(await skopeo([...push, `oci:${layout}:latest`, `${repo}:latest`], { tmpDir: dir.path }));
      assertSucceeded(await skopeo([...push, "--all", `oci:${layout}:multi`, `${repo}:multi`], { tmpDir: dir.path }));

      const res = await fetch(`${registry.url}/v2/berth/busybox/manifests/multi`, {
        headers: { accept: "application/vnd.oci.image.index.v1+json" },
      });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("docker-content-digest"), multi.index.digest, "the index is stored byte for byte");

      const back = join(dir.path, "back");
      const pull = ["copy", "--src-tls-verify=false"];
      assertSucceeded(await skopeo([...pull, `${repo}:latest`, `oci:${back}:latest`], { tmpDir: dir.path }));
      assertSucceeded(await skopeo([...pull, "--all", `${repo}:multi`, `oci:${back}:multi`], { tmpDir: dir.path }));
      assert.equal(await taggedDigest(back, "latest"), image.manifest.digest);
      assert.equal(await taggedDigest(back, "multi"), multi.index.digest);
    } finally {
      await registry.stop();
    }
  } finally {
    await dir.remove();
  }
});

test("dockerd: loads the fixtures and runs busybox with --network none", async (t) => {
  if (!requireRoot(t) || !requireTools(t, [BUSYBOX, "skopeo", "/usr/sbin/dockerd", "docker"])) return;
  const dir = await tempDir("berth-");
  try {
    const layout = join(dir.path, "layout");
    await makeBusyboxLayout(layout);
    const fromSkopeo = join(dir.path, "skopeo.tar");
    assertSucceeded(await skopeo(["copy", `oci:${layout}:latest`, `docker-archive:${fromSkopeo}:busybox:test`], { tmpDir: dir.path }));
    const handmade = join(dir.path, "handmade.tar");
    const imageId = await makeBusyboxDockerArchive(handmade, "busybox:handmade");

    const dockerd = await startDockerd({ dir: join(dir.path, "dockerd") });
    try {
      assertSucceeded(await dockerd.docker(["load", "-i", fromSkopeo]));
      const hi = assertSucceeded(await dockerd.docker(["run", "--rm", "--network", "none", "busybox:test", "/bin/echo", "hi"]));
      assert.equal(hi.stdout, "hi\n");

      assertSucceeded(await dockerd.docker(["load", "-i", handmade]));
      const id = assertSucceeded(await dockerd.docker(["image", "inspect", "--format", "{{.Id}}", "busybox:handmade"]));
      assert.equal(id.stdout.trim(), imageId);
      const sh = assertSucceeded(await dockerd.docker(["run", "--rm", "--network", "none", "busybox:handmade", "/bin/sh", "-c", "cat /etc/passwd | head -n 1"]));
      assert.equal(sh.stdout, "root:x:0:0:root:/root:/bin/sh\n");
    } finally {
      await dockerd.stop();
    }
  } finally {
    await dir.remove();
  }
});

test("dockerd: pulls the fixture from distribution over plain HTTP and runs it", async (t) => {
  if (!requireRoot(t) || !requireTools(t, [BUSYBOX, "skopeo", "/usr/sbin/dockerd", "docker", "/usr/bin/docker-registry"])) return;
  const dir = await tempDir("berth-");
  try {
    const layout = join(dir.path, "layout");
    const image = await makeBusyboxLayout(layout);
    const registry = await startDistribution({ dir: join(dir.path, "registry") });
    try {
      const ref = `${registry.host}/berth/busybox:latest`;
      assertSucceeded(await skopeo(["copy", "--dest-tls-verify=false", `oci:${layout}:latest`, `docker://${ref}`], { tmpDir: dir.path }));
      // 127.0.0.0/8 is insecure by default; naming it exercises the option.
      const dockerd = await startDockerd({ dir: join(dir.path, "dockerd"), insecureRegistries: [registry.host] });
      try {
        assertSucceeded(await dockerd.docker(["pull", ref]));
        const digests = assertSucceeded(await dockerd.docker(["image", "inspect", "--format", "{{json .RepoDigests}}", ref]));
        assert.deepEqual(JSON.parse(digests.stdout), [`${registry.host}/berth/busybox@${image.manifest.digest}`]);
        const hi = assertSucceeded(await dockerd.docker(["run", "--rm", "--network", "none", ref, "/bin/echo", "hi"]));
        assert.equal(hi.stdout, "hi\n");
      } finally {
        await dockerd.stop();
      }
    } finally {
      await registry.stop();
    }
  } finally {
    await dir.remove();
  }
});
