import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Digester, digestAlgorithm, digestEncoded, digestOf, isDigest, parseDigest } from "./digest.js";
import { isBerthError } from "./errors.js";

// Golden values: the digests of no bytes and of "hello world".
const EMPTY_SHA256 = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
const EMPTY_SHA512 = "sha512:cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e";
const HELLO_SHA256 = "sha256:b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9";

interface DigestCase {
  readonly input: string;
  readonly expectErr?: RegExp;
  readonly hint?: RegExp;
}

const cases: readonly DigestCase[] = [
  { input: EMPTY_SHA256 },
  { input: EMPTY_SHA512 },
  { input: HELLO_SHA256 },
  { input: "sha256:" + "0".repeat(64) },
  { input: "", expectErr: /^digest: "" is not a digest/, hint: /sha256:<64 hex characters>/ },
  { input: "sha256", expectErr: /is not a digest/ },
  { input: EMPTY_SHA256.slice("sha256:".length), expectErr: /is not a digest/ },
  { input: "sha256:", expectErr: /is not a digest/ },
  { input: ":" + "a".repeat(64), expectErr: /is not a digest/ },
  { input: "sha256:" + "a".repeat(63), expectErr: /^digest: sha256 digest must be 64 lower-case hex characters/ },
  { input: "sha256:" + "a".repeat(65), expectErr: /^digest: sha256 digest must be 64 lower-case hex characters/ },
  { input: "sha512:" + "a".repeat(64), expectErr: /^digest: sha512 digest must be 128 lower-case hex characters/ },
  { input: EMPTY_SHA256.toUpperCase(), expectErr: /is not a digest/ },
  { input: "sha256:" + EMPTY_SHA256.slice(7).toUpperCase(), expectErr: /^digest: sha256 digest must be 64 lower-case hex characters/ },
  { input: "sha256:" + "g".repeat(64), expectErr: /lower-case hex/ },
  { input: "md5:d41d8cd98f00b204e9800998ecf8427e", expectErr: /^digest: digest algorithm "md5" is not supported/, hint: /sha256 or sha512/ },
  // Grammatical (image-spec descriptor.md) but not verifiable by berth.
  { input: "multihash+base58:QmRZxt2b1FVZPNqd8hsiykDL3TdBDeTSPX9Kv46HmX4Gx8", expectErr: /algorithm "multihash\+base58" is not supported/ },
  { input: "sha256+b64u:LCa0a2j_xo_5m0U8HTBBNBNCLXBkg7-g-YpeiGJm564", expectErr: /algorithm "sha256\+b64u" is not supported/ },
  { input: ` ${EMPTY_SHA256}`, expectErr: /is not a digest/ },
  { input: `${EMPTY_SHA256}\n`, expectErr: /is not a digest/ },
  { input: "sha256:" + "a".repeat(32) + "/" + "a".repeat(31), expectErr: /is not a digest/ },
];

describe("parseDigest", () => {
  for (const c of cases) {
    it(JSON.stringify(c.input.length > 40 ? `${c.input.slice(0, 40)}…` : c.input), () => {
      if (c.expectErr) {
        assert.throws(() => parseDigest(c.input), (e: unknown) => {
          assert.ok(isBerthError(e, "INVALID_ARGUMENT"), `want an INVALID_ARGUMENT BerthError, got ${String(e)}`);
          assert.match(e.message, c.expectErr as RegExp);
          if (c.hint) assert.match(e.hint ?? "", c.hint);
          return true;
        });
        assert.equal(isDigest(c.input), false);
        return;
      }
      assert.equal(parseDigest(c.input), c.input);
      assert.equal(isDigest(c.input), true);
    });
  }

  it("names the field in the message", () => {
    assert.throws(() => parseDigest("nope", "manifest.config.digest"), /^InvalidArgumentError: manifest\.config\.digest: "nope" is not a digest$/);
  });
});

describe("digestOf", () => {
  it("sha256 by default", () => {
    assert.equal(digestOf(""), EMPTY_SHA256);
    assert.equal(digestOf(new Uint8Array()), EMPTY_SHA256);
    assert.equal(digestOf("hello world"), HELLO_SHA256);
  });
  it("sha512 when asked", () => assert.equal(digestOf("", "sha512"), EMPTY_SHA512));
  it("splits into algorithm and encoded", () => {
    const d = parseDigest(EMPTY_SHA512);
    assert.equal(digestAlgorithm(d), "sha512");
    assert.equal(digestEncoded(d), EMPTY_SHA512.slice("sha512:".length));
  });
});

describe("Digester", () => {
  const data = new TextEncoder().encode("hello world, in chunks of any size ".repeat(1000));
  for (const algorithm of ["sha256", "sha512"] as const) {
    for (const chunk of [1, 7, 4096, data.length]) {
      it(`${algorithm} in chunks of ${chunk} equals digestOf`, () => {
        const d = new Digester(algorithm);
        for (let i = 0; i < data.length; i += chunk) d.update(data.subarray(i, i + chunk));
        assert.equal(d.digest(), digestOf(data, algorithm));
      });
    }
  }
  it("of nothing is the digest of no bytes", () => assert.equal(new Digester().digest(), EMPTY_SHA256));
});
