import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseAnnotations, parseDescriptor, parseDescriptorPlatform, type Descriptor } from "./descriptor.js";
import { digestOf } from "./digest.js";
import { isBerthError } from "./errors.js";
import { MediaType } from "./media-types.js";

const CONTENT = new TextEncoder().encode('{"architecture":"arm64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}');
const BASE = { mediaType: MediaType.OciConfig, digest: digestOf(CONTENT), size: CONTENT.length } as const;
const SHA512_BASE = { ...BASE, digest: digestOf(CONTENT, "sha512") };
const DATA = Buffer.from(CONTENT).toString("base64");

interface DescriptorCase {
  readonly name: string;
  readonly input: unknown;
  /** Fields the parsed descriptor must have (deepEqual on each). */
  readonly want?: Partial<Record<keyof Descriptor | "extension", unknown>>;
  readonly expectErr?: RegExp;
}

const cases: readonly DescriptorCase[] = [
  { name: "minimal", input: BASE, want: { digest: BASE.digest, size: BASE.size } },
  { name: "sha512 digest", input: SHA512_BASE, want: { digest: SHA512_BASE.digest } },
  { name: "size 0 (the empty blob)", input: { ...BASE, digest: digestOf(""), size: 0 }, want: { size: 0 } },
  { name: "urls", input: { ...BASE, urls: ["https://example.com/blob", "http://mirror.example/x?y=1"] }, want: { urls: ["https://example.com/blob", "http://mirror.example/x?y=1"] } },
  { name: "annotations", input: { ...BASE, annotations: { "org.opencontainers.image.title": "", a: "b" } }, want: { annotations: { "org.opencontainers.image.title": "", a: "b" } } },
  { name: "artifactType", input: { ...BASE, artifactType: "application/vnd.example+json" }, want: { artifactType: "application/vnd.example+json" } },
  {
    name: "full platform",
    input: { ...BASE, platform: { os: "windows", architecture: "amd64", "os.version": "10.0.20348.2113", "os.features": ["win32k"], variant: "" } },
    want: { platform: { os: "windows", architecture: "amd64", "os.version": "10.0.20348.2113", "os.features": ["win32k"], variant: "" } },
  },
  { name: "data matching size and digest", input: { ...BASE, data: DATA }, want: { data: DATA } },
  { name: "data matching a sha512 digest", input: { ...SHA512_BASE, data: DATA }, want: { data: DATA } },
  {
    name: "the empty descriptor with its data (image-spec manifest.md)",
    input: { mediaType: MediaType.OciEmpty, digest: digestOf("{}"), size: 2, data: "e30=" },
    want: { digest: "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a", data: "e30=" },
  },
  { name: "empty data for an empty blob", input: { ...BASE, digest: digestOf(""), size: 0, data: "" }, want: { data: "" } },
  { name: "unknown fields kept", input: { ...BASE, extension: { any: ["thing"] } }, want: { extension: { any: ["thing"] } } },

  { name: "not an object", input: ["a"], expectErr: /^d: must be an object, got an array/ },
  { name: "null", input: null, expectErr: /^d: must be an object, got null/ },
  { name: "mediaType missing", input: { ...BASE, mediaType: undefined }, expectErr: /^d\.mediaType: must be a media type .*got nothing/ },
  { name: "mediaType without subtype", input: { ...BASE, mediaType: "application" }, expectErr: /^d\.mediaType: must be a media type .*got "application"/ },
  { name: "digest a number", input: { ...BASE, digest: 1 }, expectErr: /^d\.digest: must be a string, got 1/ },
  { name: "digest without algorithm", input: { ...BASE, digest: BASE.digest.slice(7) }, expectErr: /^d\.digest: ".*" is not a digest/ },
  { name: "size missing", input: { ...BASE, size: undefined }, expectErr: /^d\.size: must be a number of bytes, got nothing/ },
  { name: "size negative", input: { ...BASE, size: -5 }, expectErr: /^d\.size: must not be negative, got -5/ },
  { name: "size fractional", input: { ...BASE, size: 0.5 }, expectErr: /^d\.size: must be a whole number of bytes, got 0\.5/ },
  { name: "size unsafe", input: { ...BASE, size: 2 ** 60 }, expectErr: /^d\.size: \d+ is larger than berth can count exactly/ },
  { name: "urls a string", input: { ...BASE, urls: "https://example.com" }, expectErr: /^d\.urls: must be an array of strings, got "https/ },
  { name: "url not a string", input: { ...BASE, urls: ["https://a", 3] }, expectErr: /^d\.urls\[1\]: must be a string, got 3/ },
  { name: "url with a space", input: { ...BASE, urls: ["https://example.com/a b"] }, expectErr: /^d\.urls\[0\]: must be an absolute URI/ },
  { name: "annotation value an object", input: { ...BASE, annotations: { k: {} } }, expectErr: /^d\.annotations\["k"\]: must be a string, got an object/ },
  { name: "artifactType empty", input: { ...BASE, artifactType: "" }, expectErr: /^d\.artifactType: must be a media type .*got ""/ },
  { name: "platform a string", input: { ...BASE, platform: "linux/amd64" }, expectErr: /^d\.platform: must be an object, got "linux\/amd64"/ },
  { name: "platform without os", input: { ...BASE, platform: { architecture: "amd64" } }, expectErr: /^d\.platform\.os: is required/ },
  { name: "platform variant a number", input: { ...BASE, platform: { os: "linux", architecture: "arm", variant: 7 } }, expectErr: /^d\.platform\.variant: must be a string, got 7/ },
  { name: "platform os.features a string", input: { ...BASE, platform: { os: "windows", architecture: "amd64", "os.features": "win32k" } }, expectErr: /^d\.platform\["os\.features"\]: must be an array of strings/ },
  { name: "data a number", input: { ...BASE, data: 1 }, expectErr: /^d\.data: must be a string, got 1/ },
  { name: "data unpadded", input: { mediaType: MediaType.OciEmpty, digest: digestOf("{}"), size: 2, data: "e30" }, expectErr: /^d\.data: must be base64/ },
  { name: "data in the URL-safe alphabet", input: { ...BASE, data: "-_-_" }, expectErr: /^d\.data: must be base64/ },
  { name: "data shorter than size", input: { ...BASE, data: Buffer.from(CONTENT.subarray(1)).toString("base64") }, expectErr: /^d\.data: decodes to \d+ bytes, but size is \d+/ },
  {
    name: "data of other bytes of the same size",
    input: { ...BASE, data: Buffer.from(CONTENT.map((b) => (b === 0x61 ? 0x62 : b))).toString("base64") },
    expectErr: /^d\.data: content has digest sha256:[0-9a-f]{64}, but the descriptor says sha256:/,
  },
];

describe("parseDescriptor", () => {
  for (const c of cases) {
    it(c.name, () => {
      if (c.expectErr) {
        assert.throws(() => parseDescriptor(c.input, "d"), (e: unknown) => {
          assert.ok(isBerthError(e, "INVALID_ARGUMENT"), `want an INVALID_ARGUMENT BerthError, got ${String(e)}`);
          assert.match(e.message, c.expectErr as RegExp);
          return true;
        });
        return;
      }
      const d = parseDescriptor(c.input, "d") as Descriptor & Record<string, unknown>;
      for (const [key, value] of Object.entries(c.want ?? {})) assert.deepEqual(d[key], value, key);
    });
  }
});

describe("parseDescriptorPlatform", () => {
  it("returns the platform as written, not normalised", () => {
    assert.deepEqual(parseDescriptorPlatform({ os: "linux", architecture: "aarch64" }, "p"), { os: "linux", architecture: "aarch64" });
  });
  it("hints at the shape when architecture is missing", () => {
    assert.throws(() => parseDescriptorPlatform({ os: "linux" }, "p"), (e: unknown) =>
      isBerthError(e) && /^p\.architecture: is required/.test(e.message) && /"architecture":"amd64"/.test(e.hint ?? ""));
  });
});

describe("parseAnnotations", () => {
  it("accepts empty values and an empty map", () => {
    assert.deepEqual(parseAnnotations({ a: "" }, "a"), { a: "" });
    assert.deepEqual(parseAnnotations({}, "a"), {});
  });
  it("names the key whose value is not a string", () => {
    assert.throws(() => parseAnnotations({ ok: "x", "com.example.count": 3 }, "manifest.annotations"), /^InvalidArgumentError: manifest\.annotations\["com\.example\.count"\]: must be a string, got 3$/);
  });
});
