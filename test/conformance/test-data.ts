import { createHash } from "node:crypto";

/**
 * The blobs and manifests of the OCI distribution-spec conformance suite
 * (setup.go of github.com/opencontainers/distribution-spec/conformance, v1.1),
 * made deterministically from a seed.
 *
 * Digests are computed here with node:crypto, not with src/oci, so that a bug
 * in our own digest code cannot make the registry and its judge agree.
 *
 * Index use, as in the Go suite: configs/manifests [0] and [1] pull, [1] push,
 * [2] content discovery, [3] content management (and the subject nobody
 * pushes in the referrers test), [4] the subject of the referrers test.
 */

/** Bytes with the strings the Go suite sends in Content-Length and `digest=`. */
export interface TestBlob {
  readonly content: Uint8Array;
  /** Decimal byte count, as sent in Content-Length. */
  readonly contentLength: string;
  /** `sha256:<hex>`, or the override given for configs/manifests. */
  readonly digest: string;
}

/** A blob pushed in two PATCHes; `range` values are `Content-Range` headers (`0-21`, `22-41`). */
export interface ChunkedBlob {
  readonly content: Uint8Array;
  readonly digest: string;
  readonly chunk1: Uint8Array;
  readonly chunk1Length: string;
  readonly chunk1Range: string;
  readonly chunk2: Uint8Array;
  readonly chunk2Length: string;
  readonly chunk2Range: string;
}

/** Everything the four workflows push and compare against. */
export interface ConformanceData {
  readonly configs: readonly TestBlob[];
  readonly manifests: readonly TestBlob[];
  /** A gzipped tarball holding test.txt. */
  readonly layerBlob: TestBlob;
  /** A manifest (of configs[1]) with `layers: []` and no mediaType field. */
  readonly emptyLayerManifest: TestBlob;
  /** 42 seeded bytes, pushed with a streamed PATCH and cross-mounted. */
  readonly testBlobA: TestBlob;
  /** The initial chunked blob (42 bytes); the push workflow may grow it to the registry's minimum chunk. */
  readonly chunkedBlob: ChunkedBlob;
  /** `{}`, the OCI empty descriptor's blob. */
  readonly emptyJsonBlob: TestBlob;
  readonly refBlobA: TestBlob;
  readonly refBlobB: TestBlob;
  readonly refArtifactTypeA: string;
  readonly refArtifactTypeB: string;
  readonly refArtifactTypeIndex: string;
  /** Artifact of type A as config.mediaType, subject manifests[4]. */
  readonly refsManifestAConfigArtifact: TestBlob;
  /** Artifact of type A as artifactType, empty config, subject manifests[4]. */
  readonly refsManifestALayerArtifact: TestBlob;
  readonly refsManifestBConfigArtifact: TestBlob;
  readonly refsManifestBLayerArtifact: TestBlob;
  /** Like the B layer artifact but its subject, manifests[3], is never pushed before it. */
  readonly refsManifestCLayerArtifact: TestBlob;
  /** An index artifact listing the two A artifacts, subject manifests[4]. */
  readonly refsIndexArtifact: TestBlob;
  readonly annotationKey: string;
  /** Referrer digest → the value of {@link annotationKey} it carries. */
  readonly annotationValues: ReadonlyMap<string, string>;
  /** sha256 of "hello world": a digest nothing is pushed under. */
  readonly dummyDigest: string;
  readonly nonexistentManifest: string;
}

/** Options for {@link makeTestData}. */
export interface TestDataOptions {
  /** Seeds the config authors and the random blobs; the same seed gives the same digests. */
  readonly seed: number;
  /** Replaces every config digest (OCI_BLOB_DIGEST), also inside the manifests. */
  readonly blobDigest?: string;
  /** Replaces every manifest digest (OCI_MANIFEST_DIGEST); subjects keep the real digest, as in Go. */
  readonly manifestDigest?: string;
}

export const MEDIA_TYPE_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
export const MEDIA_TYPE_INDEX = "application/vnd.oci.image.index.v1+json";
export const MEDIA_TYPE_CONFIG = "application/vnd.oci.image.config.v1+json";
export const MEDIA_TYPE_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip";
export const MEDIA_TYPE_EMPTY = "application/vnd.oci.empty.v1+json";
/** The digest of `{}` the OCI image spec fixes for the empty descriptor. */
export const EMPTY_JSON_DIGEST = "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a";
/** Tag the pull, discovery and management workflows push. */
export const TEST_TAG_NAME = "tagtest0";
/** Tag of the manifest with no layers in the push workflow. */
export const EMPTY_LAYER_TEST_TAG = "emptylayer";

/** Bytes of a small tarball: `echo 'you bothered to find out what was in here. Congratulations!' > test.txt; tar czvf`. */
const LAYER_BASE64 =
  "H4sIAAAAAAAAA+3OQQrCMBCF4a49xXgBSUnaHMCTRBptQRNpp6i3t0UEV7oqIv7fYgbmzeJpHHSjVy0" +
  "WZCa1c/MufWVe94N3RWlrZ72x3k/30nhbFWKWLPU0Dhp6keJ8im//PuU/6pZH2WVtYx8b0Sz7LjWSR5VLG6YRBumSzOlGtjkd+qD" +
  "jMWiX07Befbs7AAAAAAAAAAAAAAAAAPyzO34MnqoAKAAA";

/** The Go suite loops over its `numWorkflows` constant (16, an iota shift) but only uses indices 0–4. */
const CONFIG_COUNT = 5;
const AUTHOR_LETTERS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-";
const encoder = new TextEncoder();

/** `sha256:<hex>` of `bytes`. */
export const sha256Digest = (bytes: Uint8Array): string =>
  `sha256:${createHash("sha256").update(bytes).digest("hex")}`;

const blob = (content: Uint8Array, digest = sha256Digest(content)): TestBlob =>
  ({ content, contentLength: String(content.length), digest });

/**
 * `size` bytes from SHA-256 in counter mode over `seed` and `label`. Stands in
 * for Go's math/rand seeded with GinkgoRandomSeed(): reproducible, and two
 * labels never collide.
 */
export function seededBytes(seed: number, label: string, size: number): Uint8Array {
  const out = new Uint8Array(size);
  for (let counter = 0, filled = 0; filled < size; counter++) {
    const block = createHash("sha256").update(`${seed}\0${label}\0${counter}`).digest();
    const n = Math.min(block.length, size - filled);
    out.set(block.subarray(0, n), filled);
    filled += n;
  }
  return out;
}

/** Go's json.MarshalIndent(v, "", "\t") for the plain data used here. */
const marshalIndent = (value: unknown): Uint8Array => encoder.encode(JSON.stringify(value, null, "\t"));

const base64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString("base64");

/**
 * A descriptor in the Go suite's field order. Its `newUnspecifiedField` has no
 * omitempty, so it is `null` unless set: registries must keep unknown fields.
 */
interface Descriptor {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
  readonly data?: string;
  readonly newUnspecifiedField: string | null;
}

const describeBlob = (mediaType: string, content: Uint8Array): Descriptor =>
  ({ mediaType, digest: sha256Digest(content), size: content.length, newUnspecifiedField: null });

/** The chunked-upload blob of `size` seeded bytes, split after `size/2 + 1` bytes as setupChunkedBlob does. */
export function makeChunkedBlob(size: number, seed: number): ChunkedBlob {
  const content = seededBytes(seed + 2, "chunked-blob", size);
  const split = Math.floor(size / 2) + 1;
  const chunk1 = content.subarray(0, split);
  const chunk2 = content.subarray(split);
  return {
    content,
    digest: sha256Digest(content),
    chunk1,
    chunk1Length: String(chunk1.length),
    chunk1Range: `0-${chunk1.length - 1}`,
    chunk2,
    chunk2Length: String(chunk2.length),
    chunk2Range: `${chunk1.length}-${content.length - 1}`,
  };
}

function makeConfigs(opts: TestDataOptions): TestBlob[] {
  return Array.from({ length: CONFIG_COUNT }, (_, i) => {
    // Go picks a random author so each run has fresh digests; here the seed does.
    const author = Array.from(seededBytes(opts.seed, `author-${i}`, 16), (b) => AUTHOR_LETTERS[b % AUTHOR_LETTERS.length]).join("");
    const content = marshalIndent({
      author,
      architecture: "amd64",
      os: "linux",
      rootfs: { type: "layers", diff_ids: [] },
    });
    return blob(content, opts.blobDigest ?? sha256Digest(content));
  });
}

function makeManifests(configs: readonly TestBlob[], layer: Descriptor, opts: TestDataOptions): TestBlob[] {
  return configs.map((config) => {
    const content = marshalIndent({
      schemaVersion: 2,
      mediaType: MEDIA_TYPE_MANIFEST,
      config: configDescriptor(config),
      layers: [layer],
    });
    return blob(content, opts.manifestDigest ?? sha256Digest(content));
  });
}

/** A config descriptor carrying the config itself in `data` and an unknown field. */
const configDescriptor = (config: TestBlob): Descriptor => ({
  mediaType: MEDIA_TYPE_CONFIG,
  digest: config.digest,
  size: config.content.length,
  data: base64(config.content),
  newUnspecifiedField: base64(encoder.encode("hello world")),
});

/** Build the whole data set; pure, so two calls with the same options are byte-identical. */
export function makeTestData(opts: TestDataOptions): ConformanceData {
  const configs = makeConfigs(opts);
  const layerContent = new Uint8Array(Buffer.from(LAYER_BASE64, "base64"));
  const layerBlob = blob(layerContent);
  const manifests = makeManifests(configs, describeBlob(MEDIA_TYPE_LAYER, layerContent), opts);
  const config1 = configs[1] as TestBlob;
  const emptyLayerManifest = blob(marshalIndent({ schemaVersion: 2, config: configDescriptor(config1), layers: [] }));
  const refs = makeReferrers(manifests);
  return {
    configs,
    manifests,
    layerBlob,
    emptyLayerManifest,
    testBlobA: blob(seededBytes(opts.seed + 1, "blob-a", 42)),
    chunkedBlob: makeChunkedBlob(42, opts.seed),
    emptyJsonBlob: blob(encoder.encode("{}")),
    dummyDigest: sha256Digest(encoder.encode("hello world")),
    nonexistentManifest: ".INVALID_MANIFEST_NAME",
    ...refs,
  };
}

type ReferrerData = Pick<ConformanceData,
  | "refBlobA" | "refBlobB" | "refArtifactTypeA" | "refArtifactTypeB" | "refArtifactTypeIndex"
  | "refsManifestAConfigArtifact" | "refsManifestALayerArtifact" | "refsManifestBConfigArtifact"
  | "refsManifestBLayerArtifact" | "refsManifestCLayerArtifact" | "refsIndexArtifact"
  | "annotationKey" | "annotationValues">;

/** The artifacts of the referrers test (OCI 1.1 `subject`), in setup.go's order. */
function makeReferrers(manifests: readonly TestBlob[]): ReferrerData {
  const annotationKey = "org.opencontainers.conformance.test";
  const annotationValues = new Map<string, string>();
  const refBlobA = blob(encoder.encode("NHL Peanut Butter on my NHL bagel"));
  const refBlobB = blob(encoder.encode("NBA Strawberry Jam on my NBA croissant"));
  const typeA = "application/vnd.nhl.peanut.butter.bagel";
  const typeB = "application/vnd.nba.strawberry.jam.croissant";
  const typeIndex = "application/vnd.food.stand";
  const emptyJson = describeBlob(MEDIA_TYPE_EMPTY, encoder.encode("{}"));
  const subject4 = describeBlob(MEDIA_TYPE_MANIFEST, (manifests[4] as TestBlob).content);
  const subject3 = describeBlob(MEDIA_TYPE_MANIFEST, (manifests[3] as TestBlob).content);

  const artifact = (fields: Record<string, unknown>, annotation?: string): TestBlob => {
    const content = marshalIndent({
      schemaVersion: 2,
      ...fields,
      ...(annotation === undefined ? {} : { annotations: { [annotationKey]: annotation } }),
    });
    const made = blob(content);
    if (annotation !== undefined) annotationValues.set(made.digest, annotation);
    return made;
  };
  const configArtifact = (type: string, ref: TestBlob, note: string): TestBlob => artifact({
    mediaType: MEDIA_TYPE_MANIFEST,
    config: describeBlob(type, ref.content),
    layers: [emptyJson],
    subject: subject4,
  }, note);
  const layerArtifact = (type: string, ref: TestBlob, subject: Descriptor, note?: string): TestBlob => artifact({
    mediaType: MEDIA_TYPE_MANIFEST,
    artifactType: type,
    config: emptyJson,
    layers: [describeBlob(type, ref.content)],
    subject,
  }, note);

  const aConfig = configArtifact(typeA, refBlobA, "test config a");
  const bConfig = configArtifact(typeB, refBlobB, "test config b");
  const aLayer = layerArtifact(typeA, refBlobA, subject4, "test layer a");
  const bLayer = layerArtifact(typeB, refBlobB, subject4, "test layer b");
  const cLayer = layerArtifact(typeB, refBlobB, subject3);
  const index = artifact({
    mediaType: MEDIA_TYPE_INDEX,
    artifactType: typeIndex,
    manifests: [describeBlob(MEDIA_TYPE_MANIFEST, aConfig.content), describeBlob(MEDIA_TYPE_MANIFEST, aLayer.content)],
    subject: subject4,
  }, "test index");
  return {
    refBlobA,
    refBlobB,
    refArtifactTypeA: typeA,
    refArtifactTypeB: typeB,
    refArtifactTypeIndex: typeIndex,
    refsManifestAConfigArtifact: aConfig,
    refsManifestALayerArtifact: aLayer,
    refsManifestBConfigArtifact: bConfig,
    refsManifestBLayerArtifact: bLayer,
    refsManifestCLayerArtifact: cLayer,
    refsIndexArtifact: index,
    annotationKey,
    annotationValues,
  };
}
