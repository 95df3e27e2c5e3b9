import assert from "node:assert/strict";
import { after, before, describe, it, type TestContext } from "node:test";
import { createHash } from "node:crypto";
import { lstat, mkdir, readdir, readFile, readlink } from "node:fs/promises";
import { join } from "node:path";
import { ContentStore } from "../../../src/content/index.js";
import { MediaType, parseDigest, parseManifest, type Descriptor, type Digest, type ImageManifest } from "../../../src/oci/index.js";
import { serveRegistry } from "../../../src/registry/index.js";
import { flattenToDirectory, SnapshotStore, unpackImage } from "../../../src/image/unpack/index.js";
import { makeWhiteoutLayout, NET_RAW_CAPABILITY, type WhiteoutImage } from "../../fixtures/whiteout-image.js";
import { findTool, isRoot, missingTools } from "../../support/require-root.js";
import { assertSucceeded, run } from "../../support/run.js";
import { skopeo } from "../../support/skopeo.js";
import { tempDir, type TempDir } from "../../support/temp-dir.js";

const TAG = "whiteouts";

/**
 * A rootfs as comparable lines: type, mode (with setuid), owner, size,
 * content hash or link target or device number, mtime for non-directories
 * (a directory's changes with every file made in it), xattrs other than
 * overlayfs's own, and hard link groups.
 */
async function describeTree(root: string, opts: { xattrs: boolean }): Promise<string[]> {
  const lines: string[] = [];
  const inodes = new Map<string, string[]>();
  const walk = async (rel: string): Promise<void> => {
    const p = join(root, rel);
    const st = await lstat(p);
    const type = st.isDirectory() ? "d" : st.isFile() ? "f" : st.isSymbolicLink() ? "l" : st.isCharacterDevice() ? "c" : st.isBlockDevice() ? "b" : st.isFIFO() ? "p" : "?";
    let what = "";
    if (st.isFile()) what = createHash("sha256").update(await readFile(p)).digest("hex").slice(0, 16);
    else if (st.isSymbolicLink()) what = `-> ${await readlink(p)}`;
    else if (st.isCharacterDevice() || st.isBlockDevice()) what = `rdev ${st.rdev}`;
    const time = st.isDirectory() ? "" : ` t=${Math.floor(st.mtimeMs / 1000)}`;
    lines.push(`${rel} ${type} ${(st.mode & 0o7777).toString(8)} ${st.uid}:${st.gid}${st.isFile() ? ` ${st.size}` : ""} ${what}${time}`);
    if (!st.isDirectory() && st.nlink > 1) inodes.set(`${st.dev}:${st.ino}`, [...(inodes.get(`${st.dev}:${st.ino}`) ?? []), rel]);
    if (st.isDirectory()) for (const name of (await readdir(p)).sort()) await walk(rel === "." ? name : `${rel}/${name}`);
  };
  await walk(".");
  for (const group of inodes.values()) if (group.length > 1) lines.push(`hardlinks ${group.sort().join(" ")}`);
  const getfattr = findTool("getfattr");
  if (opts.xattrs && getfattr !== undefined) {
    const r = await run(getfattr, ["-R", "-h", "-d", "-m", "-", "-e", "hex", "."], { cwd: root });
    const dump = r.stdout.split("\n").filter((l) => l !== "" && !l.startsWith("trusted.overlay.") && !l.startsWith("security.selinux"));
    // Keep only the files that still have attributes after the filter.
    lines.push(...dump.filter((l, i) => !(l.startsWith("# file:") && (dump[i + 1] === undefined || dump[i + 1]!.startsWith("# file:")))));
  }
  return lines;
}

/** Copy an OCI layout's blobs into a content store; returns the manifest of `tag`. */
async function importLayout(layout: string, tag: string, content: ContentStore): Promise<ImageManifest> {
  const index = JSON.parse(await readFile(join(layout, "index.json"), "utf8")) as { manifests: Descriptor[] };
  const desc = index.manifests.find((m) => m.annotations?.["org.opencontainers.image.ref.name"] === tag)!;
  for (const name of await readdir(join(layout, "blobs", "sha256"))) {
    await content.putBytes(await readFile(join(layout, "blobs", "sha256", name)), { digest: parseDigest(`sha256:${name}`) });
  }
  const parsed = parseManifest(await content.readBytes(desc.digest), MediaType.OciManifest);
  assert.ok(!parsed.isIndex);
  return parsed.manifest as ImageManifest;
}

async function diffIdsOf(content: ContentStore, manifest: ImageManifest): Promise<Digest[]> {
  const config = JSON.parse((await content.readBytes(manifest.config.digest)).toString("utf8")) as { rootfs: { diff_ids: string[] } };
  return config.rootfs.diff_ids.map((d) => parseDigest(d));
}

/** Mount the overlay of `lowerDirs` read-only at `mnt`, run `fn`, unmount whatever happens. */
async function withOverlay<T>(lowerDirs: readonly string[], mnt: string, fn: () => Promise<T>): Promise<T> {
  await mkdir(mnt, { recursive: true });
  assertSucceeded(await run("mount", ["-t", "overlay", "overlay", "-o", `ro,lowerdir=${lowerDirs.join(":")}`, mnt]));
  try {
    return await fn();
  } finally {
    assertSucceeded(await run("umount", [mnt]));
  }
}

function needs(t: TestContext, tools: readonly string[]): boolean {
  if (!isRoot()) {
    t.skip("needs root: umoci unpack keeps owners and makes devices only as root, and overlay mounts need root");
    return false;
  }
  const missing = missingTools(tools);
  if (missing.length > 0) {
    t.skip(`needs ${missing.join(", ")}; apt-get install the Debian packages`);
    return false;
  }
  return true;
}

describe("unpack round trip against umoci", () => {
  let dir: TempDir;
  let layout: string;
  let image: WhiteoutImage;
  let expected: string[] | undefined;

  before(async () => {
    dir = await tempDir("berth-unpack-");
    layout = join(dir.path, "layout");
    image = await makeWhiteoutLayout(layout, TAG);
  });

  after(async () => {
    await dir?.remove();
  });

  /** umoci's rootfs of the fixture, described once. */
  async function umociTree(): Promise<string[]> {
    if (expected !== undefined) return expected;
    const bundle = join(dir.path, "bundle");
    // umoci 0.4 cannot read zstd layers: it unpacks the all-gzip twin, which has the same diffIDs.
    assertSucceeded(await run("umoci", ["unpack", "--image", `${layout}:${TAG}-gzip`, bundle], { timeoutMs: 120_000 }));
    expected = await describeTree(join(bundle, "rootfs"), { xattrs: true });
    return expected;
  }

  it("the fixture has what it claims (so the comparison means something)", async (t) => {
    if (!needs(t, ["umoci"])) return;
    const tree = (await umociTree()).join("\n");
    assert.doesNotMatch(tree, /^etc\/group /m, "whiteout deleted etc/group");
    assert.doesNotMatch(tree, /^opt\/app\/a\.txt /m, "opaque dir hid a.txt");
    assert.match(tree, /^opt\/app\/new\.txt f 644 /m);
    assert.match(tree, /^usr\/bin\/tool f 4755 0:0 /m, "setuid kept");
    assert.match(tree, /^hardlinks usr\/bin\/hl usr\/bin\/tool$/m);
    assert.match(tree, /^usr\/bin\/sl l 777 0:0 -> tool/m);
    assert.match(tree, /^home\/user d 700 1000:1000/m);
    assert.match(tree, /^dev\/null c 666 0:0 rdev 259/m);
    assert.match(tree, new RegExp(`security.capability=0x${NET_RAW_CAPABILITY.toString("hex")}`));
  });

  it("overlay snapshots mounted read-only show exactly umoci's rootfs", async (t) => {
    if (!needs(t, ["umoci"])) return;
    const root = join(dir.path, "berth-overlay");
    const content = new ContentStore(join(root, "content"));
    const manifest = await importLayout(layout, TAG, content);
    const snapshots = await SnapshotStore.open(join(root, "snapshots"));
    assert.equal(snapshots.format, "overlay");
    const progress: string[] = [];
    const result = await unpackImage(content, manifest.layers, await diffIdsOf(content, manifest), snapshots, {
      onProgress: (p) => progress.push(`${p.index}:${p.status}`),
    });
    // Layers overlap (a layer is extracted while the one below is committed), but each starts before it ends and commits go base first.
    assert.deepEqual(progress.filter((p) => p.endsWith(":unpacking")), ["0:unpacking", "1:unpacking", "2:unpacking"]);
    assert.deepEqual(progress.filter((p) => p.endsWith(":unpacked")), ["0:unpacked", "1:unpacked", "2:unpacked"]);
    for (const i of [0, 1, 2]) assert.ok(progress.indexOf(`${i}:unpacking`) < progress.indexOf(`${i}:unpacked`), `layer ${i} started before it ended`);
    assert.equal(result.unpacked, 3);
    const lower = await snapshots.lowerDirs(result.chainId);
    assert.equal(lower.length, 3);
    const got = await withOverlay(lower, join(dir.path, "mnt"), () => describeTree(join(dir.path, "mnt"), { xattrs: true }));
    assert.deepEqual(got, await umociTree());

    const again = await unpackImage(content, manifest.layers, await diffIdsOf(content, manifest), snapshots);
    assert.equal(again.unpacked, 0, "a second unpack reuses every snapshot");
  });

  it("flattening overlay and marker snapshots gives umoci's rootfs too", async (t) => {
    if (!needs(t, ["umoci"])) return;
    const want = (await umociTree()).filter((l) => !l.startsWith("# file:") && !/^[a-z]+\.[a-z.]+=/.test(l));
    for (const format of ["overlay", "marker"] as const) {
      const root = join(dir.path, `berth-flat-${format}`);
      const content = new ContentStore(join(root, "content"));
      const manifest = await importLayout(layout, TAG, content);
      const snapshots = await SnapshotStore.open(join(root, "snapshots"), { format });
      const { chainId } = await unpackImage(content, manifest.layers, await diffIdsOf(content, manifest), snapshots);
      const flat = join(root, "flat");
      await mkdir(flat);
      await flattenToDirectory(snapshots, chainId, flat);
      assert.deepEqual(await describeTree(flat, { xattrs: false }), want, `flattened ${format} snapshots`);
      if (format === "marker") await assert.rejects(snapshots.lowerDirs(chainId), /marker format/);
    }
  });

  it("skopeo copy into berth's registry, pull over HTTP, unpack: same rootfs as umoci", async (t) => {
    if (!needs(t, ["umoci", "skopeo"])) return;
    const registry = await serveRegistry({ addr: "127.0.0.1:0", root: join(dir.path, "registry") });
    try {
      const ref = `${registry.host}/test/whiteouts:1`;
      assertSucceeded(await skopeo(["copy", "--dest-tls-verify=false", `oci:${layout}:${TAG}`, `docker://${ref}`], { tmpDir: dir.path }));
      const root = join(dir.path, "berth-pulled");
      const content = new ContentStore(join(root, "content"));
      const manifest = await pull(registry.url, "test/whiteouts", "1", content);
      // skopeo gzips the uncompressed layer on the way; the diffIDs stay.
      assert.deepEqual(await diffIdsOf(content, manifest), image.diffIds);
      assert.equal(manifest.layers[2]!.mediaType, image.layers[2]!.mediaType);
      const snapshots = await SnapshotStore.open(join(root, "snapshots"));
      const { chainId } = await unpackImage(content, manifest.layers, await diffIdsOf(content, manifest), snapshots);
      const got = await withOverlay(await snapshots.lowerDirs(chainId), join(dir.path, "mnt2"), () => describeTree(join(dir.path, "mnt2"), { xattrs: true }));
      assert.deepEqual(got, await umociTree());
    } finally {
      await registry.close();
    }
  });
});

/** A minimal pull: manifest, config and layers by HTTP into `content`, each verified by its digest on commit. */
async function pull(url: string, repo: string, tag: string, content: ContentStore): Promise<ImageManifest> {
  const get = async (path: string, accept?: string): Promise<Buffer> => {
    const res = await fetch(`${url}/v2/${repo}/${path}`, { headers: accept ? { accept } : {}, signal: AbortSignal.timeout(60_000) });
    assert.equal(res.status, 200, `GET ${path}`);
    return Buffer.from(await res.arrayBuffer());
  };
  const bytes = await get(`manifests/${tag}`, `${MediaType.OciManifest}, ${MediaType.DockerManifest}`);
  const parsed = parseManifest(bytes);
  assert.ok(!parsed.isIndex);
  for (const d of parsed.blobs) await content.putBytes(await get(`blobs/${d.digest}`), { digest: d.digest, size: d.size });
  return parsed.manifest as ImageManifest;
}
