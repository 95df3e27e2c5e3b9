// Malformed and hostile image archives fed to importArchive and
// readOciLayoutDir: each gives a typed error naming the entry, the content
// store keeps only blobs whose bytes match their digest (no ingest left
// behind), and nothing is written outside it. Needs no tools.
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { mkdir, readdir, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { buffer } from "node:stream/consumers";
import { describe, it, before, after } from "node:test";
import { gzipSync } from "node:zlib";
import { pack as tarPack } from "tar-stream";
import { ContentStore } from "../../../src/content/index.js";
import { isBerthError, parseDigest, type Digest, type ErrorCode } from "../../../src/oci/index.js";
import { importArchive, readOciLayoutDir } from "../../../src/image/archive/index.js";
import { tempDir, type TempDir } from "../../support/temp-dir.js";

interface Spec {
  readonly name: string;
  readonly content?: Buffer | string;
  readonly type?: "file" | "symlink" | "link" | "character-device" | "directory" | "fifo";
  readonly linkname?: string;
}

/** A tar of `specs`, in the order given, names written exactly as given. */
async function tarOf(specs: readonly Spec[]): Promise<Buffer> {
  const p = tarPack();
  const out = buffer(p);
  for (const s of specs) {
    const content = typeof s.content === "string" ? Buffer.from(s.content) : s.content;
    const header = { name: s.name, type: s.type ?? "file", mtime: new Date(0), ...(s.linkname !== undefined && { linkname: s.linkname }) };
    if (header.type === "file") p.entry({ ...header, size: content?.length ?? 0 }, content ?? Buffer.alloc(0));
    else p.entry({ ...header, ...(header.type === "character-device" && { devmajor: 1, devminor: 3 }) });
  }
  p.finalize();
  return out;
}

const sha = (b: Buffer | string): Digest => parseDigest(`sha256:${createHash("sha256").update(b).digest("hex")}`);
const hex = (d: string): string => d.slice("sha256:".length);

/** A one-layer image small enough to build inline: a tar holding hello.txt and its config. */
async function tinyImage(text = "hello\n"): Promise<{ layer: Buffer; config: Buffer }> {
  const layer = await tarOf([{ name: "hello.txt", content: text }]);
  const config = Buffer.from(JSON.stringify({ architecture: "amd64", os: "linux", rootfs: { type: "layers", diff_ids: [sha(layer)] } }));
  return { layer, config };
}

/** The files of a docker-archive of the tiny image, ready to be tampered with. */
async function dockerArchiveSpecs(): Promise<Spec[]> {
  const { layer, config } = await tinyImage();
  return [
    { name: `${hex(sha(config))}.json`, content: config },
    { name: `${hex(sha(layer))}/layer.tar`, content: layer },
    { name: "manifest.json", content: JSON.stringify([{ Config: `${hex(sha(config))}.json`, RepoTags: ["tiny:1"], Layers: [`${hex(sha(layer))}/layer.tar`] }]) },
  ];
}

/** The files of an OCI layout of the tiny image (gzip layer). */
async function ociSpecs(): Promise<{ specs: Spec[]; layerGz: Buffer; manifest: Buffer }> {
  const { layer, config } = await tinyImage();
  const layerGz = gzipSync(layer);
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json",
    config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: sha(config), size: config.length },
    layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: sha(layerGz), size: layerGz.length }],
  }));
  const index = { schemaVersion: 2, manifests: [{ mediaType: "application/vnd.oci.image.manifest.v1+json", digest: sha(manifest), size: manifest.length, annotations: { "org.opencontainers.image.ref.name": "tiny" } }] };
  return {
    layerGz,
    manifest,
    specs: [
      { name: "oci-layout", content: '{"imageLayoutVersion":"1.0.0"}' },
      { name: `blobs/sha256/${hex(sha(config))}`, content: config },
      { name: `blobs/sha256/${hex(sha(layerGz))}`, content: layerGz },
      { name: `blobs/sha256/${hex(sha(manifest))}`, content: manifest },
      { name: "index.json", content: JSON.stringify(index) },
    ],
  };
}

const replace = (specs: Spec[], name: RegExp, by: Partial<Spec> | undefined): Spec[] =>
  specs.flatMap((s) => (name.test(s.name) ? (by === undefined ? [] : [{ ...s, ...by }]) : [s]));

interface Case {
  readonly what: string;
  readonly archive: () => Promise<Buffer>;
  readonly code: ErrorCode;
  readonly message: RegExp;
  /** Digests that must not be visible afterwards. */
  readonly absent?: () => Promise<Digest[]>;
}

const cases: readonly Case[] = [
  {
    what: "an entry with a .. path",
    archive: async () => tarOf([...(await dockerArchiveSpecs()), { name: "../evil", content: "x" }]),
    code: "INVALID_ARGUMENT", message: /archive entry "\.\.\/evil": the path has a "\.\." component/,
  },
  {
    what: "an entry with an absolute path",
    archive: async () => tarOf([{ name: "/tmp/evil", content: "x" }, ...(await dockerArchiveSpecs())]),
    code: "INVALID_ARGUMENT", message: /archive entry "\/tmp\/evil": absolute paths are not allowed/,
  },
  {
    what: "a blob whose bytes do not match its path",
    archive: async () => {
      const { specs, layerGz } = await ociSpecs();
      return tarOf(replace(specs, new RegExp(hex(sha(layerGz))), { content: Buffer.concat([layerGz, Buffer.from("tampered")]) }));
    },
    code: "FAILED_PRECONDITION", message: /archive entry "blobs\/sha256\/[0-9a-f]{64}": its bytes have digest sha256:[0-9a-f]{64}, but its name says/,
    absent: async () => {
      const { layerGz } = await ociSpecs();
      return [sha(layerGz), sha(Buffer.concat([layerGz, Buffer.from("tampered")]))];
    },
  },
  {
    what: "manifest.json naming a layer the archive lacks",
    archive: async () => tarOf(replace(await dockerArchiveSpecs(), /layer\.tar$/, undefined)),
    code: "NOT_FOUND", message: /manifest\.json\[0\]\.Layers\[0\] names "[0-9a-f]{64}\/layer\.tar", which is not in the archive/,
  },
  {
    what: "a truncated tar",
    archive: async () => {
      const whole = await tarOf(await dockerArchiveSpecs());
      return whole.subarray(0, 512 + 700);
    },
    code: "INVALID_ARGUMENT", message: /archive: the tar ends after entry "[0-9a-f]{64}\.json", in the middle of an entry/,
  },
  {
    what: "a gzip archive cut short",
    archive: async () => {
      const gz = gzipSync(await tarOf(await dockerArchiveSpecs()));
      return gz.subarray(0, gz.length - 20);
    },
    code: "INVALID_ARGUMENT", message: /archive: the gzip stream is corrupt or cut short/,
  },
  {
    what: "manifest.json that is not JSON",
    archive: async () => tarOf(replace(await dockerArchiveSpecs(), /^manifest\.json$/, { content: "[{\"Config\": " })),
    code: "INVALID_ARGUMENT", message: /archive entry "manifest\.json": \(document\): is not JSON/,
  },
  {
    what: "a layer that is a symlink to an absolute path",
    archive: async () => tarOf(replace(await dockerArchiveSpecs(), /layer\.tar$/, { type: "symlink", linkname: "/etc/passwd", content: undefined })),
    code: "INVALID_ARGUMENT", message: /archive entry "[0-9a-f]{64}\/layer\.tar": symlink to "\/etc\/passwd" points outside the archive/,
  },
  {
    what: "a layer that is a symlink climbing out of the archive",
    archive: async () => tarOf(replace(await dockerArchiveSpecs(), /layer\.tar$/, { type: "symlink", linkname: "../../../etc/passwd", content: undefined })),
    code: "INVALID_ARGUMENT", message: /symlink to "\.\.\/\.\.\/\.\.\/etc\/passwd" points outside the archive/,
  },
  {
    what: "a hard link climbing out of the archive",
    archive: async () => tarOf(replace(await dockerArchiveSpecs(), /layer\.tar$/, { type: "link", linkname: "../x", content: undefined })),
    code: "INVALID_ARGUMENT", message: /link to "\.\.\/x" points outside the archive/,
  },
  {
    what: "symlinks in a loop",
    archive: async () => tarOf([
      ...replace(await dockerArchiveSpecs(), /layer\.tar$/, { type: "symlink", linkname: "loop-b", content: undefined }),
      { name: `${hex(sha((await tinyImage()).layer))}/loop-b`, type: "symlink", linkname: "layer.tar" },
    ]),
    code: "INVALID_ARGUMENT", message: /links are chained more than 16 deep/,
  },
  {
    what: "a character device",
    archive: async () => tarOf([{ name: "null", type: "character-device" }, ...(await dockerArchiveSpecs())]),
    code: "INVALID_ARGUMENT", message: /archive entry "null": is a character-device; an image archive holds only files, directories and links/,
  },
  {
    what: "a config that does not parse",
    archive: async () => tarOf(replace(await dockerArchiveSpecs(), /^[0-9a-f]{64}\.json$/, { content: '{"architecture":"amd64","os":"linux"}' })),
    code: "INVALID_ARGUMENT", message: /archive entry "[0-9a-f]{64}\.json": image config does not parse: config\.rootfs: is required/,
  },
  {
    what: "a layer that is not the one the config names",
    archive: async () => tarOf(replace(await dockerArchiveSpecs(), /layer\.tar$/, { content: (await tinyImage("other\n")).layer })),
    code: "FAILED_PRECONDITION", message: /layer\.tar": the layer's diffID is sha256:[0-9a-f]{64}, but the image config's rootfs\.diff_ids says/,
  },
  {
    what: "the same entry twice",
    archive: async () => {
      const specs = await dockerArchiveSpecs();
      return tarOf([...specs, specs[1]!]);
    },
    code: "INVALID_ARGUMENT", message: /layer\.tar": appears twice in the archive/,
  },
  {
    what: "random bytes",
    archive: async () => randomBytes(4096),
    code: "INVALID_ARGUMENT", message: /archive: not a valid tar at the start/,
  },
  {
    what: "an empty tar",
    archive: async () => tarOf([]),
    code: "INVALID_ARGUMENT", message: /archive: has neither manifest\.json \(docker-archive\) nor oci-layout and index\.json/,
  },
  {
    what: "an OCI manifest naming a missing layer",
    archive: async () => {
      const { specs, layerGz } = await ociSpecs();
      return tarOf(replace(specs, new RegExp(hex(sha(layerGz))), undefined));
    },
    code: "NOT_FOUND", message: /layers\[0\] of sha256:[0-9a-f]{64} names "blobs\/sha256\/[0-9a-f]{64}", which is not in the archive/,
  },
  {
    what: "index.json that is not an index",
    archive: async () => tarOf(replace((await ociSpecs()).specs, /^index\.json$/, { content: '{"schemaVersion":2,"config":{}}' })),
    code: "INVALID_ARGUMENT", message: /archive entry "index\.json": is not an OCI image index/,
  },
  {
    what: "a blob named by an unsupported digest",
    archive: async () => tarOf([...(await ociSpecs()).specs, { name: "blobs/md5/d41d8cd98f00b204e9800998ecf8427e", content: "" }]),
    code: "INVALID_ARGUMENT", message: /archive entry "blobs\/md5\/[0-9a-f]+": a file under blobs\/ must be named by its digest/,
  },
  {
    what: "an oci-layout of another version",
    archive: async () => tarOf(replace((await ociSpecs()).specs, /^oci-layout$/, { content: '{"imageLayoutVersion":"2.0.0"}' })),
    code: "INVALID_ARGUMENT", message: /archive entry "oci-layout": imageLayoutVersion must be "1\.0\.0"/,
  },
];

describe("hostile archives", () => {
  let tmp: TempDir;
  before(async () => (tmp = await tempDir("berth-hostile-")));
  after(async () => tmp?.remove());

  for (const [i, c] of cases.entries()) {
    it(`refuses ${c.what}`, async () => {
      const dir = join(tmp.path, `case-${i}`);
      const work = join(dir, "work");
      await mkdir(work, { recursive: true });
      const file = join(work, "archive.tar");
      await writeFile(file, await c.archive());
      const store = new ContentStore(join(dir, "store"));
      await assert.rejects(importArchive(file, store), (e: unknown) => {
        assert.ok(isBerthError(e), `a BerthError, got ${String(e)}`);
        assert.equal(e.code, c.code, e.message);
        assert.match(e.message, c.message);
        return true;
      });
      await assertStoreClean(store, (await c.absent?.()) ?? []);
      assert.deepEqual((await readdir(dir)).filter((n) => n !== "store"), ["work"], "nothing written beside the store");
      assert.deepEqual(await readdir(work), ["archive.tar"]);
    });
  }

  it("refuses a layout directory whose blob is a symlink, or has the wrong bytes", async () => {
    const dir = join(tmp.path, "layout-dir");
    const { specs, layerGz } = await ociSpecs();
    for (const s of specs) {
      await mkdir(join(dir, s.name, ".."), { recursive: true });
      await writeFile(join(dir, s.name), s.content ?? "");
    }
    const layerPath = join(dir, "blobs", "sha256", hex(sha(layerGz)));
    const secret = join(tmp.path, "secret");
    await writeFile(secret, "not a layer");
    await import("node:fs/promises").then((fs) => fs.rm(layerPath));
    await symlink(secret, layerPath);
    const store = new ContentStore(join(tmp.path, "layout-store"));
    await assert.rejects(readOciLayoutDir(dir, store), /archive entry "blobs\/sha256\/[0-9a-f]{64}": is a symlink/);
    await import("node:fs/promises").then((fs) => fs.rm(layerPath));
    await writeFile(layerPath, Buffer.concat([layerGz, Buffer.from("x")]));
    await assert.rejects(readOciLayoutDir(dir, store), (e: unknown) => isBerthError(e, "FAILED_PRECONDITION") && /its bytes have digest/.test(e.message));
    await assertStoreClean(store, [sha(layerGz)]);
    await assert.rejects(readOciLayoutDir(join(tmp.path, "no-such-layout"), store), /is not an OCI image layout: it has no oci-layout/);
  });
});

/**
 * Every visible blob hashes to its name, no ingest is left, `absent` are not
 * there, and no Docker manifest was stored (import writes one only once a
 * docker-archive image checked out whole).
 */
async function assertStoreClean(store: ContentStore, absent: readonly Digest[]): Promise<void> {
  for await (const b of store.walk()) {
    assert.equal(await store.verify(b.digest), b.digest, `blob ${b.digest} is what its name says`);
    const text = (await store.readBytes(b.digest)).toString("latin1");
    assert.ok(!text.includes("application/vnd.docker.distribution.manifest.v2+json"), `no manifest was stored (${b.digest})`);
  }
  assert.deepEqual(await store.listIngests(), [], "no ingest left behind");
  for (const d of absent) assert.equal(await store.info(d), undefined, `${d} is not visible`);
}
