import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it, type TestContext } from "node:test";
import { buildLayer } from "../../fixtures/layer-tar.js";
import { MediaType, tagInIndex, writeBlob, writeJsonBlob } from "../../fixtures/oci-layout-writer.js";
import { makeWhiteoutLayout } from "../../fixtures/whiteout-image.js";
import { describeResult } from "../../support/run.js";
import { assertClean, berthRun, containersUnsupported, makeRuntimeFixture, requireContainers, type RuntimeFixture } from "./runtime-fixture.js";

/**
 * An image whose /etc/passwd and /etc/group are absolute symlinks to files
 * on the host that name a user "hostonly": berth must not read them when
 * it resolves `-u`, since the link resolves against the host's root.
 */
async function makeSymlinkedEtcLayout(layout: string, hostDir: string): Promise<void> {
  await writeFile(join(hostDir, "passwd"), "hostonly:x:4242:4242::/home/hostonly:/bin/sh\n");
  await writeFile(join(hostDir, "group"), "hostgroup:x:4343:hostonly\n");
  const layer = await buildLayer([
    { type: "file", path: "bin/busybox", content: await readFile("/bin/busybox"), mode: 0o755 },
    { type: "symlink", path: "bin/sh", target: "busybox" },
    { type: "symlink", path: "etc/passwd", target: join(hostDir, "passwd") },
    { type: "symlink", path: "etc/group", target: join(hostDir, "group") },
  ]);
  const config = await writeJsonBlob(layout, MediaType.config, {
    architecture: "amd64", os: "linux",
    config: { Env: ["PATH=/bin"], Entrypoint: ["/bin/sh", "-c"], Cmd: ["echo default-cmd"] },
    rootfs: { type: "layers", diff_ids: [layer.diffId] },
  });
  const manifest = await writeJsonBlob(layout, MediaType.manifest, {
    schemaVersion: 2, mediaType: MediaType.manifest, config, layers: [await writeBlob(layout, MediaType.layerGzip, layer.gzip)],
  });
  await tagInIndex(layout, manifest, "symlinked-etc");
}

// Images beyond plain busybox: several layers with whiteouts, and a hostile one.
describe("berth run on layered and hostile images (runc, as root)", () => {
  let f: RuntimeFixture | undefined;

  before(async () => {
    if ((await containersUnsupported()) !== undefined) return;
    f = await makeRuntimeFixture();
    await makeWhiteoutLayout(join(f.tmp.path, "layered"), "wh");
    await makeSymlinkedEtcLayout(join(f.tmp.path, "layered"), f.tmp.path);
  });
  after(async () => {
    await f?.tmp.remove();
  });

  async function fixture(t: TestContext): Promise<RuntimeFixture | undefined> {
    if (!(await requireContainers(t))) return undefined;
    assert.ok(f, "fixture not built");
    return f;
  }

  it("the container sees the merged layers: whiteouts, opaque dirs and replacements applied", async (t) => {
    const fx = await fixture(t);
    if (!fx) return;
    const r = await berthRun(fx, ["-q", "--rm", "--network", "none", `oci:${join(fx.tmp.path, "layered")}:wh`, "/bin/sh", "-c",
      "ls /etc; echo --; ls /opt/app; echo --; ls /data; echo --; cat /usr/share/doc; cat /home/user/.profile; /bin/busybox stat -c %A /usr/bin/tool"]);
    assert.equal(r.code, 0, describeResult(r));
    const [etc, app, data, rest] = r.stdout.split("--\n");
    assert.equal(etc, "hostname\nhosts\npasswd\nresolv.conf\n", "etc/group is whited out; berth's mounts are there");
    assert.equal(app, "new.txt\n", "opt/app is opaque in the top layer");
    assert.equal(data, "keep.txt\n", "data/old.txt is whited out");
    assert.match(rest!, /^the doc directory is a file now\nexport PS1='\$ '\n-rwsr-xr-x\n$/);
    await assertClean(fx);
  });

  it("a container's writes never reach the image: the next container starts clean", async (t) => {
    const fx = await fixture(t);
    if (!fx) return;
    const w = await berthRun(fx, ["-q", "--rm", "--network", "none", `oci:${join(fx.tmp.path, "layered")}:wh`, "/bin/sh", "-c", "echo changed > /data/keep.txt; rm /etc/passwd"]);
    assert.equal(w.code, 0, describeResult(w));
    const r = await berthRun(fx, ["-q", "--rm", "--network", "none", `oci:${join(fx.tmp.path, "layered")}:wh`, "/bin/sh", "-c", "cat /data/keep.txt; ls /etc/passwd"]);
    assert.equal(r.stdout, "keep\n/etc/passwd\n", describeResult(r));
  });

  it("symlinked /etc/passwd is not followed to the host: -u hostonly is unknown", async (t) => {
    const fx = await fixture(t);
    if (!fx) return;
    const image = `oci:${join(fx.tmp.path, "layered")}:symlinked-etc`;
    const r = await berthRun(fx, ["-q", "--rm", "--network", "none", "-u", "hostonly", image, "id"]);
    assert.equal(r.code, 125, describeResult(r));
    assert.match(r.stderr, /no user "hostonly" in the image's \/etc\/passwd/);
    const byGroup = await berthRun(fx, ["-q", "--rm", "--network", "none", "-u", "1000:hostgroup", image, "id"]);
    assert.equal(byGroup.code, 125, describeResult(byGroup));
    assert.match(byGroup.stderr, /no group "hostgroup"/);
    await assertClean(fx);
  });

  it("Entrypoint + Cmd of the image, CMD args replacing Cmd, --entrypoint replacing both", async (t) => {
    const fx = await fixture(t);
    if (!fx) return;
    const image = `oci:${join(fx.tmp.path, "layered")}:symlinked-etc`;
    const dflt = await berthRun(fx, ["-q", "--rm", "--network", "none", image]);
    assert.equal(dflt.stdout, "default-cmd\n", describeResult(dflt));
    const args = await berthRun(fx, ["-q", "--rm", "--network", "none", image, "echo from-args"]);
    assert.equal(args.stdout, "from-args\n", describeResult(args));
    const ep = await berthRun(fx, ["-q", "--rm", "--network", "none", "--entrypoint", "/bin/busybox", image, "echo", "from-entrypoint"]);
    assert.equal(ep.stdout, "from-entrypoint\n", describeResult(ep));
    await assertClean(fx);
  });
});
