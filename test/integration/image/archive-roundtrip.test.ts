// importArchive, exportDockerArchive, exportOciLayout, readOciLayoutDir and
// writeOciLayoutDir against each other and the fixture images, with a real
// content store on disk: digests survive every round trip, output is
// byte-for-byte deterministic, gzip layers come out of a docker-archive
// uncompressed, and docker 25+ archives (both formats in one) are read.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createReadStream } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { buffer } from "node:stream/consumers";
import { describe, it, before, after } from "node:test";
import * as zlib from "node:zlib";
import { gzipSync } from "node:zlib";
import { extract, pack as tarPack } from "tar-stream";
import { ContentStore } from "../../../src/content/index.js";
import { isBerthError, parseDigest, parsePlatform, type Descriptor, type Digest } from "../../../src/oci/index.js";
import {
  DOCKER_LAYER_UNCOMPRESSED, exportDockerArchive, exportOciLayout, importArchive, readOciLayoutDir, writeOciLayoutDir,
  type ArchiveWriteOptions, type ImageToExport,
} from "../../../src/image/archive/index.js";
import { makeBusyboxDockerArchive, makeBusyboxLayout, makeMultiPlatformLayout, type IndexFixture, type ImageFixture } from "../../fixtures/make-image.js";
import { missingTools } from "../../support/require-root.js";
import { tempDir, type TempDir } from "../../support/temp-dir.js";

const missing = missingTools(["/bin/busybox"]);
const skip = missing.length > 0 ? "needs /bin/busybox for the fixture image: apt-get install busybox-static" : false;

const sha = (b: Uint8Array | string): Digest => parseDigest(`sha256:${createHash("sha256").update(b).digest("hex")}`);
const hex = (d: string): string => d.slice("sha256:".length);

interface TarItem {
  readonly name: string;
  readonly mtime: number;
  readonly type: string;
  readonly bytes: Buffer;
}

/** Every entry of a tar, with its bytes. */
async function listTar(tar: Buffer): Promise<TarItem[]> {
  const ex = extract();
  const items: TarItem[] = [];
  const done = (async () => {
    for await (const e of ex) items.push({ name: e.header.name, mtime: e.header.mtime.getTime() / 1000, type: e.header.type, bytes: await buffer(e) });
  })();
  ex.end(tar);
  await done;
  return items;
}

async function tarOf(files: readonly { name: string; content: Buffer | string }[]): Promise<Buffer> {
  const p = tarPack();
  const out = buffer(p);
  for (const f of files) p.entry({ name: f.name, mtime: new Date(0) }, typeof f.content === "string" ? Buffer.from(f.content) : f.content);
  p.finalize();
  return out;
}

/** `zstd -c` of `input` (spawned directly: run() decodes output as text). */
async function zstdCompress(input: Buffer): Promise<Buffer> {
  const child = spawn("zstd", ["-q", "-c"], { stdio: ["pipe", "pipe", "inherit"], timeout: 30_000 });
  const out = buffer(child.stdout);
  child.stdin.end(input);
  const [code] = (await once(child, "close")) as [number | null];
  assert.equal(code, 0, "zstd -c failed");
  return out;
}

const toBuffer = async (write: (out: PassThrough) => Promise<void>): Promise<Buffer> => {
  const out = new PassThrough();
  const [bytes] = await Promise.all([buffer(out), write(out)]);
  return bytes;
};

const saveDocker = (store: ContentStore, images: ImageToExport[], opts: ArchiveWriteOptions & { platform?: ReturnType<typeof parsePlatform> } = {}): Promise<Buffer> =>
  toBuffer((out) => exportDockerArchive(store, images, out, opts));
const saveOci = (store: ContentStore, images: ImageToExport[], opts: ArchiveWriteOptions = {}): Promise<Buffer> =>
  toBuffer((out) => exportOciLayout(store, images, out, opts));

interface DockerManifest {
  mediaType: string;
  config: Descriptor;
  layers: Descriptor[];
}
const readJson = async <T>(store: ContentStore, d: Digest): Promise<T> => JSON.parse((await store.readBytes(d)).toString("utf8")) as T;

describe("archive round trips", { skip }, () => {
  let tmp: TempDir;
  let dockerTar: string;
  let imageId: string;
  let layout: string;
  let busybox: ImageFixture;
  let multi: IndexFixture;
  let n = 0;
  const freshStore = (): ContentStore => new ContentStore(join(tmp.path, `store-${n++}`));

  before(async () => {
    tmp = await tempDir("berth-archive-");
    dockerTar = join(tmp.path, "busybox.tar");
    imageId = await makeBusyboxDockerArchive(dockerTar, "busybox:test");
    layout = join(tmp.path, "layout");
    busybox = await makeBusyboxLayout(layout, { tag: "latest" });
    multi = await makeMultiPlatformLayout(layout, "multi");
  });
  after(async () => tmp?.remove());

  it("imports a docker-archive as a Docker manifest over the archive's own layer bytes", async () => {
    const store = freshStore();
    const [image, ...rest] = await importArchive(dockerTar, store);
    assert.equal(rest.length, 0);
    assert.deepEqual(image!.names, ["busybox:test"]);
    assert.equal(image!.manifest.mediaType, "application/vnd.docker.distribution.manifest.v2+json");
    assert.deepEqual(image!.manifest.platform, { os: "linux", architecture: "amd64" });
    const m = await readJson<DockerManifest>(store, image!.manifest.digest);
    assert.equal(m.config.digest, imageId, "the config is stored as it was: its digest is docker's image ID");
    assert.deepEqual(m.layers.map((l) => [l.mediaType, l.digest]), [[DOCKER_LAYER_UNCOMPRESSED, busybox.diffIds[0]]]);

    const gz = join(tmp.path, "busybox.tar.gz");
    await writeFile(gz, gzipSync(await readFile(dockerTar)));
    assert.deepEqual(await importArchive(gz, freshStore()), [image], "a gzip-compressed archive gives the same image");
    assert.deepEqual(await importArchive(createReadStream(dockerTar), freshStore()), [image], "so does a stream");
  });

  it("writes the same docker-archive bytes every time, with mtimes from SOURCE_DATE_EPOCH", async () => {
    const store = freshStore();
    const [image] = await importArchive(dockerTar, store);
    const images = [{ manifest: image!.manifest, names: ["busybox:test", "docker.io/library/busybox:test", "localhost:5000/a/b:1"] }];
    const a = await saveDocker(store, images, { env: {} });
    assert.deepEqual(await saveDocker(store, images, { env: {} }), a);
    const items = await listTar(a);
    const layerPath = `${hex(busybox.diffIds[0]!)}/layer.tar`;
    assert.deepEqual(items.map((i) => i.name), [`${hex(busybox.diffIds[0]!)}/`, layerPath, `${hex(imageId)}.json`, "manifest.json", "repositories"]);
    assert.ok(items.every((i) => i.mtime === 0));
    assert.deepEqual(JSON.parse(items.find((i) => i.name === "manifest.json")!.bytes.toString()), [
      { Config: `${hex(imageId)}.json`, RepoTags: ["busybox:test", "localhost:5000/a/b:1"], Layers: [layerPath] },
    ]);
    assert.deepEqual(JSON.parse(items.find((i) => i.name === "repositories")!.bytes.toString()), {
      busybox: { test: hex(busybox.diffIds[0]!) }, "localhost:5000/a/b": { 1: hex(busybox.diffIds[0]!) },
    });

    const dated = await saveDocker(store, images, { env: { SOURCE_DATE_EPOCH: "1700000000" } });
    assert.notDeepEqual(dated, a);
    assert.ok((await listTar(dated)).every((i) => i.mtime === 1_700_000_000));

    const again = join(tmp.path, "again.tar");
    await writeFile(again, a);
    const [back] = await importArchive(again, freshStore());
    assert.equal(back!.manifest.digest, image!.manifest.digest, "save then load gives the same manifest");
    assert.deepEqual(back!.names, ["busybox:test", "localhost:5000/a/b:1"]);
  });

  it("decompresses gzip layers into a docker-archive", async () => {
    const store = freshStore();
    const [image] = await readOciLayoutDir(layout, store, { ref: "latest" });
    assert.equal(image!.manifest.digest, busybox.manifest.digest);
    const items = await listTar(await saveDocker(store, [{ manifest: image!.manifest, names: ["busybox:from-oci"] }]));
    const layer = items.find((i) => i.name.endsWith("/layer.tar"))!;
    assert.equal(sha(layer.bytes), busybox.diffIds[0], "layer.tar is the uncompressed layer: its digest is the diffID");
    const file = join(tmp.path, "from-oci.tar");
    await writeFile(file, await saveDocker(store, [{ manifest: image!.manifest, names: ["busybox:from-oci"] }]));
    const [loaded] = await importArchive(file, store);
    assert.equal((await readJson<DockerManifest>(store, loaded!.manifest.digest)).config.digest, busybox.config.digest);
  });

  it("takes one platform of an index into a docker-archive, and says which exist", async () => {
    const store = freshStore();
    const [index] = await readOciLayoutDir(layout, store, { ref: "multi" });
    const images = [{ manifest: index!.manifest, names: ["multi:1"] }];
    await assert.rejects(saveDocker(store, images), (e: unknown) =>
      isBerthError(e, "INVALID_ARGUMENT") && /multi:1 \(sha256:[0-9a-f]+\) is an index of 2 platforms \(linux\/amd64, linux\/arm64\/v8\)/.test(e.message) && e.hint !== undefined);
    await assert.rejects(saveDocker(store, images, { platform: parsePlatform("linux/s390x") }), (e: unknown) =>
      isBerthError(e, "NOT_FOUND") && /no image for platform linux\/s390x; the index has linux\/amd64, linux\/arm64\/v8/.test(e.message));
    const file = join(tmp.path, "arm64.tar");
    await writeFile(file, await saveDocker(store, images, { platform: parsePlatform("linux/arm64") }));
    const [arm] = await importArchive(file, freshStore());
    assert.deepEqual(arm!.manifest.platform, { os: "linux", architecture: "arm64", variant: "v8" });
  });

  it("keeps a two-platform index digest through an OCI layout tar and directory", async () => {
    const store = freshStore();
    const [index] = await readOciLayoutDir(layout, store, { ref: "multi" });
    assert.equal(index!.manifest.digest, multi.index.digest);
    // busybox:latest is the index's amd64 image: stored already, listed again untagged.
    const images: ImageToExport[] = [{ manifest: index!.manifest, names: ["multi"] }, { manifest: busybox.manifest as Descriptor, names: [] }];
    const tar = await saveOci(store, images);
    assert.deepEqual(await saveOci(store, images), tar, "deterministic");
    const names = (await listTar(tar)).map((i) => i.name);
    assert.deepEqual(names.slice(0, 2), ["blobs", "blobs/sha256"].map((n) => `${n}/`));
    assert.deepEqual(names.slice(-2), ["index.json", "oci-layout"]);
    const file = join(tmp.path, "multi-oci.tar");
    await writeFile(file, tar);
    const other = freshStore();
    const back = await importArchive(file, other);
    assert.deepEqual(back.map((i) => [i.manifest.digest, i.names]), [[multi.index.digest, ["multi"]], [busybox.manifest.digest, []]]);
    for (const im of multi.images) assert.ok(await other.info(im.layers[0]!.digest as Digest), "every platform's layer came along");

    const dir = join(tmp.path, "out-layout");
    await writeOciLayoutDir(dir, other, [{ manifest: back[0]!.manifest, names: ["multi"] }]);
    await writeOciLayoutDir(dir, other, [{ manifest: back[1]!.manifest, names: ["bb", "multi-old"] }]);
    await writeOciLayoutDir(dir, other, [{ manifest: back[0]!.manifest, names: ["multi-old"] }]);
    const third = freshStore();
    const [bb] = await readOciLayoutDir(dir, third, { ref: "bb" });
    assert.equal(bb!.manifest.digest, busybox.manifest.digest, "an earlier tag is kept");
    const [old] = await readOciLayoutDir(dir, third, { ref: "multi-old" });
    assert.equal(old!.manifest.digest, multi.index.digest, "a reused tag is replaced");
    await assert.rejects(readOciLayoutDir(dir, third, { ref: "nope" }), (e: unknown) =>
      isBerthError(e, "NOT_FOUND") && e.hint === "index.json names: multi, bb, multi-old");
  });

  it("names a reference in an OCI layout as containerd does: its tag as ref.name, the full name beside it", async () => {
    const store = freshStore();
    const [image] = await readOciLayoutDir(layout, store, { ref: "latest" });
    const tar = await saveOci(store, [{ manifest: image!.manifest, names: ["docker.io/library/busybox:bench"] }]);
    const items = await listTar(tar);
    const index = JSON.parse(items.find((i) => i.name === "index.json")!.bytes.toString("utf8")) as { manifests: Descriptor[] };
    assert.deepEqual(index.manifests.map((d) => d.annotations), [
      { "io.containerd.image.name": "docker.io/library/busybox:bench", "org.opencontainers.image.ref.name": "bench" },
    ]);
    // The tar unpacked is an oci:DIR that berth (and skopeo) read by the tag.
    const dir = join(tmp.path, "bench-layout");
    for (const i of items) {
      if (i.type === "directory") await mkdir(join(dir, i.name), { recursive: true });
      else await writeFile(join(dir, i.name), i.bytes);
    }
    const [byTag] = await readOciLayoutDir(dir, freshStore(), { ref: "bench" });
    assert.equal(byTag!.manifest.digest, busybox.manifest.digest);
    const file = join(tmp.path, "bench-oci.tar");
    await writeFile(file, tar);
    assert.deepEqual((await importArchive(file, freshStore())).map((i) => i.names), [["docker.io/library/busybox:bench"]], "load keeps the full name");
    // berth before this wrote the full name as ref.name too; load still reads it by the containerd name.
    const old = { ...index, manifests: [{ ...index.manifests[0]!, annotations: { "io.containerd.image.name": "docker.io/library/busybox:bench", "org.opencontainers.image.ref.name": "docker.io/library/busybox:bench" } }] };
    const oldFile = join(tmp.path, "bench-oci-old.tar");
    await writeFile(oldFile, await tarOf(items.filter((i) => i.type === "file").map((i) => ({ name: i.name, content: i.name === "index.json" ? JSON.stringify(old) : i.bytes }))));
    assert.deepEqual((await importArchive(oldFile, freshStore())).map((i) => i.names), [["docker.io/library/busybox:bench"]]);
  });

  it("reads a docker 25+ archive by its OCI layout, or by manifest.json when the layout is incomplete", async () => {
    const layer = await tarOf([{ name: "hello.txt", content: "hello\n" }]);
    const config = Buffer.from(JSON.stringify({ architecture: "amd64", os: "linux", rootfs: { type: "layers", diff_ids: [sha(layer)] } }));
    const manifest = Buffer.from(JSON.stringify({
      schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: sha(config), size: config.length },
      layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar", digest: sha(layer), size: layer.length }],
    }));
    const index = { schemaVersion: 2, manifests: [{ mediaType: "application/vnd.oci.image.manifest.v1+json", digest: sha(manifest), size: manifest.length,
      annotations: { "io.containerd.image.name": "docker.io/library/tiny:1", "org.opencontainers.image.ref.name": "1" } }] };
    const files = [
      { name: `blobs/sha256/${hex(sha(config))}`, content: config },
      { name: `blobs/sha256/${hex(sha(layer))}`, content: layer },
      { name: `blobs/sha256/${hex(sha(manifest))}`, content: manifest },
      { name: "index.json", content: JSON.stringify(index) },
      { name: "manifest.json", content: JSON.stringify([{ Config: `blobs/sha256/${hex(sha(config))}`, RepoTags: ["tiny:1"], Layers: [`blobs/sha256/${hex(sha(layer))}`] }]) },
      { name: "oci-layout", content: '{"imageLayoutVersion":"1.0.0"}' },
    ];
    const both = join(tmp.path, "docker25.tar");
    await writeFile(both, await tarOf(files));
    assert.deepEqual(await importArchive(both, freshStore()), [
      { names: ["docker.io/library/tiny:1"], manifest: { mediaType: "application/vnd.oci.image.manifest.v1+json", digest: sha(manifest), size: manifest.length } },
    ]);
    const incomplete = join(tmp.path, "docker25-incomplete.tar");
    await writeFile(incomplete, await tarOf(files.filter((f) => f.content !== manifest)));
    const [image] = await importArchive(incomplete, freshStore());
    assert.deepEqual(image!.names, ["tiny:1"]);
    assert.equal(image!.manifest.mediaType, "application/vnd.docker.distribution.manifest.v2+json");
  });

  it("imports a docker-archive whose layer is gzip, as a gzip layer, after checking its diffID", async () => {
    const layer = await tarOf([{ name: "hello.txt", content: "hello\n" }]);
    const gz = gzipSync(layer);
    const config = Buffer.from(JSON.stringify({ architecture: "amd64", os: "linux", rootfs: { type: "layers", diff_ids: [sha(layer)] } }));
    const file = join(tmp.path, "gzip-layer.tar");
    await writeFile(file, await tarOf([
      { name: "c.json", content: config },
      { name: "l/layer.tar", content: gz },
      { name: "manifest.json", content: JSON.stringify([{ Config: "c.json", RepoTags: ["gz:1"], Layers: ["l/layer.tar"] }]) },
    ]));
    const store = freshStore();
    const [image] = await importArchive(file, store);
    const m = await readJson<DockerManifest>(store, image!.manifest.digest);
    assert.deepEqual(m.layers.map((l) => [l.mediaType, l.digest, l.size]), [["application/vnd.docker.image.rootfs.diff.tar.gzip", sha(gz), gz.length]]);
    const items = await listTar(await saveDocker(store, [{ manifest: image!.manifest, names: ["gz:1"] }]));
    assert.deepEqual(items.find((i) => i.name.endsWith("layer.tar"))?.bytes, layer, "and writes it back uncompressed");
  });

  it("refuses a zstd layer for a docker-archive where Node cannot decompress it, with a hint", async (t) => {
    if (missingTools(["zstd"]).length > 0) return t.skip("needs zstd to make the layer: apt-get install zstd");
    const layer = await tarOf([{ name: "hello.txt", content: "hello\n" }]);
    const zst = await zstdCompress(layer);
    const config = Buffer.from(JSON.stringify({ architecture: "amd64", os: "linux", rootfs: { type: "layers", diff_ids: [sha(layer)] } }));
    const store = freshStore();
    const put = async (b: Buffer, mediaType: string): Promise<Descriptor> => ({ mediaType, ...(await store.putBytes(b)) });
    const cfg = await put(config, "application/vnd.oci.image.config.v1+json");
    const lay = await put(zst, "application/vnd.oci.image.layer.v1.tar+zstd");
    const manifest = await put(Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json", config: cfg, layers: [lay] })),
      "application/vnd.oci.image.manifest.v1+json");
    const save = saveDocker(store, [{ manifest, names: ["zst:1"] }]);
    if (!("createZstdDecompress" in zlib)) {
      await assert.rejects(save, (e: unknown) =>
        isBerthError(e, "FAILED_PRECONDITION") && /layer 0 of zst:1 \(sha256:[0-9a-f]+\): zstd compression cannot be decompressed here/.test(e.message) &&
        /--dest-compress-format gzip/.test(e.hint ?? ""));
      return;
    }
    const items = await listTar(await save);
    assert.deepEqual(items.find((i) => i.name.endsWith("layer.tar"))?.bytes, layer);
  });

  it("picks images by name with ref, and says what there is", async () => {
    const store = freshStore();
    const [image] = await importArchive(dockerTar, store, { ref: "busybox:test" });
    assert.deepEqual(image!.names, ["busybox:test"]);
    await assert.rejects(importArchive(dockerTar, store, { ref: "busybox:other" }), (e: unknown) =>
      isBerthError(e, "NOT_FOUND") && e.hint === "the archive names: busybox:test");
  });

  it("writes nothing when a blob an image needs is missing", async () => {
    const store = freshStore();
    await mkdir(store.root, { recursive: true });
    const [image] = await importArchive(dockerTar, store);
    const m = await readJson<DockerManifest>(store, image!.manifest.digest);
    await store.delete(m.layers[0]!.digest);
    const out = new PassThrough();
    const got = buffer(out);
    await assert.rejects(exportDockerArchive(store, [{ manifest: image!.manifest, names: ["x:1"] }], out), (e: unknown) =>
      isBerthError(e, "NOT_FOUND") && /blob sha256:[0-9a-f]+ \(layer 0 of x:1\) is not in the content store/.test(e.message));
    out.end();
    assert.equal((await got).length, 0);
    await assert.rejects(saveOci(store, [{ manifest: image!.manifest, names: ["x:1"] }]), (e: unknown) =>
      isBerthError(e, "NOT_FOUND") && /blob sha256:[0-9a-f]+ \(layers\[0\] of sha256:[0-9a-f]+\) is not in the content store/.test(e.message));
  });
});
