import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { digestOf } from "./digest.js";
import { isBerthError } from "./errors.js";
import { bareMediaType, parseManifest, type ImageManifest } from "./manifest.js";
import { MediaType } from "./media-types.js";

const encoder = new TextEncoder();
const bytesOf = (content: string): Uint8Array => encoder.encode(content);

/** A descriptor of `content` as the image-spec writes it. */
const describeBytes = (mediaType: string, content: Uint8Array): Record<string, unknown> =>
  ({ mediaType, digest: digestOf(content), size: content.length });

const CONFIG = bytesOf('{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}');
const LAYER = bytesOf("layer bytes, gzipped in real life");
const EMPTY = bytesOf("{}");
const OCI_CONFIG = describeBytes(MediaType.OciConfig, CONFIG);
const OCI_LAYER = describeBytes(MediaType.OciLayerGzip, LAYER);
const EMPTY_CONFIG = describeBytes(MediaType.OciEmpty, EMPTY);
const SUBJECT = describeBytes(MediaType.OciManifest, bytesOf("the subject manifest"));
const SIGNATURE_TYPE = "application/vnd.example.signature.v1+json";

const ociManifest = (fields: Record<string, unknown> = {}): Record<string, unknown> =>
  ({ schemaVersion: 2, mediaType: MediaType.OciManifest, config: OCI_CONFIG, layers: [OCI_LAYER], ...fields });

const layers = (n: number): Record<string, unknown>[] =>
  Array.from({ length: n }, (_, i) => describeBytes(MediaType.OciLayerGzip, bytesOf(`layer ${i}`)));

const AMD64 = { ...describeBytes(MediaType.OciManifest, bytesOf("amd64 manifest")), platform: { os: "linux", architecture: "amd64" } };
const ARM64 = {
  ...describeBytes(MediaType.OciManifest, bytesOf("arm64 manifest")),
  platform: { os: "linux", architecture: "arm64", variant: "v8" },
};
const ociIndex = (fields: Record<string, unknown> = {}): Record<string, unknown> =>
  ({ schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: [AMD64, ARM64], ...fields });

const dockerManifest = (fields: Record<string, unknown> = {}): Record<string, unknown> => ({
  schemaVersion: 2,
  mediaType: MediaType.DockerManifest,
  config: describeBytes(MediaType.DockerConfig, CONFIG),
  layers: [describeBytes(MediaType.DockerLayerGzip, LAYER)],
  ...fields,
});

const dockerList = (fields: Record<string, unknown> = {}): Record<string, unknown> => ({
  schemaVersion: 2,
  mediaType: MediaType.DockerManifestList,
  manifests: [{ ...AMD64, mediaType: MediaType.DockerManifest }],
  ...fields,
});

/** `[[[…]]]` nested `depth` deep. */
const nested = (depth: number): string => "[".repeat(depth) + "]".repeat(depth);

interface Want {
  readonly mediaType: string;
  readonly isIndex?: boolean;
  /** Number of blobs (config and layers); 0 for an index. */
  readonly blobs?: number;
  /** Number of child manifests; 0 for an image manifest. */
  readonly children?: number;
  /** Checked when the key is given, so `artifactType: undefined` asserts there is none. */
  readonly artifactType?: string;
  readonly subject?: boolean;
}

interface ManifestCase {
  readonly name: string;
  /** A value to JSON-encode, a string of JSON text, or raw bytes. */
  readonly body: unknown;
  readonly contentType?: string;
  readonly want?: Want;
  readonly expectErr?: RegExp;
  readonly hint?: RegExp;
}

const cases: readonly ManifestCase[] = [
  // Valid documents real clients push.
  {
    name: "OCI image manifest",
    body: ociManifest(),
    contentType: MediaType.OciManifest,
    want: { mediaType: MediaType.OciManifest, blobs: 2, artifactType: MediaType.OciConfig },
  },
  { name: "OCI manifest without mediaType or Content-Type: told by its config", body: ociManifest({ mediaType: undefined }), want: { mediaType: MediaType.OciManifest, blobs: 2 } },
  {
    name: "OCI manifest without mediaType: the Content-Type says what it is",
    body: ociManifest({ mediaType: undefined }),
    contentType: MediaType.OciManifest,
    want: { mediaType: MediaType.OciManifest, blobs: 2 },
  },
  { name: "generic Content-Type defers to the document", body: ociManifest(), contentType: "application/json", want: { mediaType: MediaType.OciManifest } },
  {
    name: "Content-Type parameters and case are ignored",
    body: ociManifest(),
    contentType: "Application/VND.oci.image.manifest.v1+json; charset=utf-8",
    want: { mediaType: MediaType.OciManifest },
  },
  { name: "OCI image index with platforms", body: ociIndex(), contentType: MediaType.OciIndex, want: { mediaType: MediaType.OciIndex, isIndex: true, children: 2, blobs: 0 } },
  { name: "OCI index without mediaType: told by its manifests", body: ociIndex({ mediaType: undefined }), want: { mediaType: MediaType.OciIndex, isIndex: true, children: 2 } },
  { name: "empty OCI index", body: ociIndex({ manifests: [] }), want: { mediaType: MediaType.OciIndex, isIndex: true, children: 0 } },
  { name: "Docker schema2 manifest", body: dockerManifest(), contentType: MediaType.DockerManifest, want: { mediaType: MediaType.DockerManifest, blobs: 2, artifactType: MediaType.DockerConfig } },
  { name: "Docker manifest list", body: dockerList(), contentType: MediaType.DockerManifestList, want: { mediaType: MediaType.DockerManifestList, isIndex: true, children: 1 } },
  {
    name: "artifact with subject, artifactType and the empty config",
    body: ociManifest({ artifactType: SIGNATURE_TYPE, config: EMPTY_CONFIG, layers: [describeBytes(SIGNATURE_TYPE, LAYER)], subject: SUBJECT }),
    contentType: MediaType.OciManifest,
    want: { mediaType: MediaType.OciManifest, blobs: 2, artifactType: SIGNATURE_TYPE, subject: true },
  },
  {
    // artifactType "MUST be set when config.mediaType is set to the empty value", but the
    // distribution-spec conformance suite pushes exactly this, and registries accept it.
    name: "empty config without artifactType (conformance's emptyConfigManifest)",
    body: ociManifest({ config: EMPTY_CONFIG }),
    want: { mediaType: MediaType.OciManifest, blobs: 2, artifactType: undefined },
  },
  {
    name: "artifact typed by its config media type, with no layers",
    body: ociManifest({ config: describeBytes(SIGNATURE_TYPE, EMPTY), layers: [], subject: SUBJECT }),
    want: { mediaType: MediaType.OciManifest, blobs: 1, artifactType: SIGNATURE_TYPE, subject: true },
  },
  { name: "layers absent", body: ociManifest({ layers: undefined }), want: { mediaType: MediaType.OciManifest, blobs: 1 } },
  { name: "layers null, as Go writes a nil slice", body: ociManifest({ layers: null }), want: { mediaType: MediaType.OciManifest, blobs: 1 } },
  {
    name: "index with artifactType, subject and an entry of unknown media type",
    body: ociIndex({ artifactType: SIGNATURE_TYPE, subject: SUBJECT, manifests: [AMD64, describeBytes("application/vnd.example.thing", LAYER)] }),
    want: { mediaType: MediaType.OciIndex, isIndex: true, children: 2, artifactType: SIGNATURE_TYPE, subject: true },
  },
  {
    name: "config carrying its own bytes in data (conformance style)",
    body: ociManifest({ config: { ...OCI_CONFIG, data: Buffer.from(CONFIG).toString("base64"), newUnspecifiedField: null } }),
    want: { mediaType: MediaType.OciManifest, blobs: 2 },
  },
  {
    name: "Windows foreign layer with urls",
    body: dockerManifest({ layers: [{ ...describeBytes(MediaType.DockerForeignLayerGzip, LAYER), urls: ["https://mcr.microsoft.com/v2/windows/blobs/sha256:0"] }] }),
    contentType: MediaType.DockerManifest,
    want: { mediaType: MediaType.DockerManifest, blobs: 2 },
  },
  { name: "5000 layers", body: ociManifest({ layers: layers(5000) }), want: { mediaType: MediaType.OciManifest, blobs: 5001 } },

  // Media type and version.
  { name: "Content-Type contradicts mediaType", body: ociManifest(), contentType: MediaType.DockerManifest, expectErr: /^manifest\.mediaType: ".*oci.image.manifest.*" does not match Content-Type ".*docker.*"/ },
  { name: "Docker schema2 manifest without mediaType", body: dockerManifest({ mediaType: undefined }), contentType: MediaType.DockerManifest, expectErr: /^manifest\.mediaType: is required in a Docker schema2 document/ },
  { name: "Docker manifest list without mediaType", body: dockerList({ mediaType: undefined }), contentType: MediaType.DockerManifestList, expectErr: /^manifest\.mediaType: is required/ },
  { name: "mediaType not a media type", body: ociManifest({ mediaType: "manifest" }), expectErr: /^manifest\.mediaType: must be a media type/ },
  { name: "artifactType not a media type", body: ociManifest({ artifactType: 7 }), expectErr: /^manifest\.artifactType: must be a media type .*got 7/ },
  {
    name: "schemaVersion 1",
    body: { schemaVersion: 1, name: "library/busybox", tag: "latest", architecture: "amd64", fsLayers: [], history: [], signatures: [] },
    expectErr: /^manifest\.schemaVersion: Docker schema 1 is not supported/,
    hint: /skopeo copy --format v2s2/,
  },
  { name: "schema 1 Content-Type", body: "{}", contentType: MediaType.DockerManifestSchema1Signed, expectErr: /^manifest: Docker schema 1 .* is not supported/, hint: /v2s2/ },
  { name: "schemaVersion as a string", body: ociManifest({ schemaVersion: "2" }), expectErr: /^manifest\.schemaVersion: must be 2, got "2"/ },
  { name: "schemaVersion missing", body: ociManifest({ schemaVersion: undefined }), expectErr: /^manifest\.schemaVersion: must be 2, got nothing/ },

  // Structure.
  { name: "image manifest without config", body: ociManifest({ config: undefined }), expectErr: /^manifest\.config: is required/, hint: /empty\.v1\+json/ },
  { name: "neither config nor manifests", body: { schemaVersion: 2, layers: [] }, expectErr: /^manifest: has neither config nor manifests/ },
  { name: "index without manifests", body: ociIndex({ manifests: undefined }), expectErr: /^manifest\.manifests: an index must list its manifests in an array, got nothing/ },
  { name: "layers an object", body: ociManifest({ layers: { 0: OCI_LAYER } }), expectErr: /^manifest\.layers: must be an array of descriptors, got an object/ },
  { name: "config a string", body: ociManifest({ config: OCI_CONFIG.digest }), expectErr: /^manifest\.config: must be an object, got "sha256:/ },
  { name: "subject without digest", body: ociManifest({ subject: { ...SUBJECT, digest: undefined } }), expectErr: /^manifest\.subject\.digest: must be a string, got nothing/ },

  // Descriptors inside.
  { name: "bad digest in layers[2]", body: ociManifest({ layers: [...layers(2), { ...OCI_LAYER, digest: "sha256:abc" }] }), expectErr: /^manifest\.layers\[2\]\.digest: sha256 digest must be 64 lower-case hex/ },
  { name: "upper-case digest in config", body: ociManifest({ config: { ...OCI_CONFIG, digest: String(OCI_CONFIG.digest).toUpperCase().replace("SHA256", "sha256") } }), expectErr: /^manifest\.config\.digest: sha256 digest must be 64 lower-case hex/ },
  { name: "unsupported digest algorithm", body: ociManifest({ layers: [{ ...OCI_LAYER, digest: "md5:d41d8cd98f00b204e9800998ecf8427e" }] }), expectErr: /^manifest\.layers\[0\]\.digest: digest algorithm "md5" is not supported/ },
  { name: "negative size", body: ociManifest({ layers: [{ ...OCI_LAYER, size: -1 }] }), expectErr: /^manifest\.layers\[0\]\.size: must not be negative, got -1/ },
  { name: "non-integer size", body: ociManifest({ config: { ...OCI_CONFIG, size: 1.5 } }), expectErr: /^manifest\.config\.size: must be a whole number of bytes, got 1\.5/ },
  { name: "size as a string", body: ociManifest({ config: { ...OCI_CONFIG, size: "81" } }), expectErr: /^manifest\.config\.size: must be a number of bytes, got "81"/ },
  { name: "size past 2^53", body: '{"schemaVersion":2,"config":{"mediaType":"a/b","digest":"sha256:' + "a".repeat(64) + '","size":9007199254740993}}', expectErr: /^manifest\.config\.size: .* larger than berth can count exactly/ },
  { name: "layer media type missing", body: ociManifest({ layers: [{ ...OCI_LAYER, mediaType: undefined }] }), expectErr: /^manifest\.layers\[0\]\.mediaType: must be a media type .*got nothing/ },
  { name: "annotation value not a string", body: ociManifest({ annotations: { "org.example.ok": "yes", "org.example.n": 1 } }), expectErr: /^manifest\.annotations\["org\.example\.n"\]: must be a string, got 1/ },
  { name: "annotations an array", body: ociManifest({ annotations: ["a=b"] }), expectErr: /^manifest\.annotations: must be a map of strings to strings, got an array/ },
  { name: "layer annotation not a string", body: ociManifest({ layers: [{ ...OCI_LAYER, annotations: { "org.opencontainers.image.title": null } }] }), expectErr: /^manifest\.layers\[0\]\.annotations\["org\.opencontainers\.image\.title"\]: must be a string, got null/ },
  { name: "data not base64", body: ociManifest({ config: { ...OCI_CONFIG, data: "not base64!" } }), expectErr: /^manifest\.config\.data: must be base64/ },
  { name: "data of the wrong size", body: ociManifest({ config: { ...OCI_CONFIG, data: Buffer.from("{}").toString("base64") } }), expectErr: /^manifest\.config\.data: decodes to 2 bytes, but size is \d+/ },
  {
    name: "data of the right size but other bytes",
    body: ociManifest({ config: { ...EMPTY_CONFIG, data: Buffer.from("[]").toString("base64") } }),
    expectErr: /^manifest\.config\.data: content has digest sha256:[0-9a-f]{64}, but the descriptor says sha256:44136fa3/,
  },
  { name: "relative url", body: ociManifest({ layers: [{ ...OCI_LAYER, urls: ["/blobs/x"] }] }), expectErr: /^manifest\.layers\[0\]\.urls\[0\]: must be an absolute URI/ },
  {
    name: "index entry whose platform lacks architecture",
    body: ociIndex({ manifests: [AMD64, { ...ARM64, platform: { os: "linux" } }] }),
    expectErr: /^manifest\.manifests\[1\]\.platform\.architecture: is required/,
  },
  { name: "index entry whose platform os is a number", body: ociIndex({ manifests: [{ ...AMD64, platform: { os: 1, architecture: "amd64" } }] }), expectErr: /^manifest\.manifests\[0\]\.platform\.os: must be a string, got 1/ },
  { name: "index entry not an object", body: ociIndex({ manifests: [AMD64, "sha256:0"] }), expectErr: /^manifest\.manifests\[1\]: must be an object, got "sha256:0"/ },

  // Not manifests at all.
  { name: "JSON array", body: "[]", expectErr: /^manifest: must be a JSON object, got an array/ },
  { name: "JSON null", body: "null", expectErr: /^manifest: must be a JSON object, got null/ },
  { name: "JSON number", body: "42", expectErr: /^manifest: must be a JSON object, got 42/ },
  { name: "JSON string", body: '"manifest"', expectErr: /^manifest: must be a JSON object, got "manifest"/ },
  { name: "empty body", body: "", expectErr: /^manifest: not valid JSON/ },
  { name: "not JSON (conformance's invalid manifest)", body: "blablabla", expectErr: /^manifest: not valid JSON/ },
  { name: "trailing garbage", body: JSON.stringify(ociManifest()) + "}", expectErr: /^manifest: not valid JSON/ },
  { name: "byte order mark", body: "\uFEFF" + JSON.stringify(ociManifest()), expectErr: /^manifest: not valid JSON/ },
  { name: "invalid UTF-8", body: new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]), expectErr: /^manifest: not valid UTF-8/ },
  { name: "deeply nested array", body: nested(100_000), expectErr: /^manifest: must be a JSON object, got an array/ },
  {
    name: "deeply nested junk as mediaType",
    body: `{"schemaVersion":2,"mediaType":${nested(100_000)},"config":{}}`,
    expectErr: /^manifest\.mediaType: must be a media type .*got an array$/,
  },
  { name: "deeply nested junk as a layer", body: `{"schemaVersion":2,"config":${JSON.stringify(OCI_CONFIG)},"layers":[${nested(50_000)}]}`, expectErr: /^manifest\.layers\[0\]: must be an object, got an array/ },
];

const encode = (body: unknown): Uint8Array =>
  body instanceof Uint8Array ? body : bytesOf(typeof body === "string" ? body : JSON.stringify(body));

describe("parseManifest", () => {
  for (const c of cases) {
    it(c.name, () => {
      const bytes = encode(c.body);
      if (c.expectErr) {
        assert.throws(() => parseManifest(bytes, c.contentType), (e: unknown) => {
          assert.ok(isBerthError(e, "INVALID_ARGUMENT"), `want an INVALID_ARGUMENT BerthError, got ${String(e)}`);
          assert.match(e.message, c.expectErr as RegExp);
          if (c.hint) assert.match(e.hint ?? "", c.hint);
          return true;
        });
        return;
      }
      const p = parseManifest(bytes, c.contentType);
      const want = c.want as Want;
      assert.equal(p.mediaType, want.mediaType);
      assert.equal(p.isIndex, want.isIndex ?? false);
      if (want.blobs !== undefined) assert.equal(p.blobs.length, want.blobs);
      if (want.children !== undefined) assert.equal(p.children.length, want.children);
      if ("artifactType" in want) assert.equal(p.artifactType, want.artifactType);
      assert.equal(p.subject !== undefined, want.subject ?? false);
    });
  }

  it("keeps unknown fields of the document and its descriptors", () => {
    const body = ociManifest({ "org.example.extension": { kept: true }, config: { ...OCI_CONFIG, newUnspecifiedField: "x" } });
    const p = parseManifest(encode(body));
    const m = p.manifest as ImageManifest & Record<string, unknown>;
    assert.deepEqual(m["org.example.extension"], { kept: true });
    assert.equal((m.config as unknown as Record<string, unknown>).newUnspecifiedField, "x");
    assert.equal(p.blobs[0]?.digest, OCI_CONFIG.digest);
  });

  it("lists blobs config first, then layers base first", () => {
    const ls = layers(3);
    const p = parseManifest(encode(ociManifest({ layers: ls })));
    assert.deepEqual(p.blobs.map((d) => d.digest), [OCI_CONFIG.digest, ...ls.map((l) => l.digest)]);
    assert.deepEqual((p.manifest as ImageManifest).layers.length, 3);
  });

  it("gives layers as [] when the document has none", () => {
    const p = parseManifest(encode(ociManifest({ layers: null })));
    assert.deepEqual((p.manifest as ImageManifest).layers, []);
  });

  it("reports the manifest annotations", () => {
    const p = parseManifest(encode(ociManifest({ annotations: { "org.opencontainers.image.created": "2024-05-01T00:00:00Z" } })));
    assert.deepEqual(p.annotations, { "org.opencontainers.image.created": "2024-05-01T00:00:00Z" });
  });
});

describe("bareMediaType", () => {
  const cases: readonly { readonly input: string | undefined; readonly want: string | undefined }[] = [
    { input: undefined, want: undefined },
    { input: "", want: undefined },
    { input: MediaType.OciManifest, want: MediaType.OciManifest },
    { input: "Application/JSON; charset=utf-8", want: "application/json" },
    { input: " ; q=1", want: undefined },
  ];
  for (const c of cases) {
    it(JSON.stringify(c.input), () => assert.equal(bareMediaType(c.input), c.want));
  }
});
