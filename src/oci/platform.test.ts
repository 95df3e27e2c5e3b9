import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isBerthError } from "./errors.js";
import {
  formatPlatform,
  hostPlatform,
  normalizePlatform,
  parsePlatform,
  platformMatches,
  type HostPlatformOptions,
  type Platform,
} from "./platform.js";

// A fixed host, so the one-component cases do not depend on the test machine.
const HOST: Platform = { os: "linux", architecture: "amd64" };
const ARM_V6_HOST: Platform = { os: "linux", architecture: "arm", variant: "v6" };

interface ParseCase {
  readonly input: string;
  readonly host?: Platform;
  readonly want?: Platform;
  /** formatPlatform of the result, when it differs from the input. */
  readonly formatted?: string;
  readonly expectErr?: RegExp;
}

// Cases follow containerd's platforms_test.go TestParseSelector.
const parseCases: readonly ParseCase[] = [
  { input: "linux/amd64", want: { os: "linux", architecture: "amd64" } },
  { input: "linux/arm64", want: { os: "linux", architecture: "arm64" } },
  { input: "linux/arm64/v8", want: { os: "linux", architecture: "arm64", variant: "v8" } },
  { input: "linux/aarch64", want: { os: "linux", architecture: "arm64" }, formatted: "linux/arm64" },
  {
    input: "linux/aarch64/8",
    want: { os: "linux", architecture: "arm64", variant: "v8" },
    formatted: "linux/arm64/v8",
  },
  { input: "linux/arm64/v9", want: { os: "linux", architecture: "arm64", variant: "v9" } },
  { input: "linux/x86_64", want: { os: "linux", architecture: "amd64" }, formatted: "linux/amd64" },
  { input: "linux/x86-64", want: { os: "linux", architecture: "amd64" }, formatted: "linux/amd64" },
  { input: "linux/amd64/v1", want: { os: "linux", architecture: "amd64" }, formatted: "linux/amd64" },
  { input: "linux/amd64/v3", want: { os: "linux", architecture: "amd64", variant: "v3" } },
  { input: "linux/i386", want: { os: "linux", architecture: "386" }, formatted: "linux/386" },
  { input: "linux/386", want: { os: "linux", architecture: "386" } },
  { input: "linux/arm", want: { os: "linux", architecture: "arm" } },
  { input: "linux/arm/v7", want: { os: "linux", architecture: "arm", variant: "v7" } },
  { input: "linux/arm/6", want: { os: "linux", architecture: "arm", variant: "v6" }, formatted: "linux/arm/v6" },
  { input: "linux/armhf", want: { os: "linux", architecture: "arm" }, formatted: "linux/arm" },
  { input: "linux/armel", want: { os: "linux", architecture: "arm", variant: "v6" }, formatted: "linux/arm/v6" },
  { input: "Linux/AMD64", want: { os: "linux", architecture: "amd64" }, formatted: "linux/amd64" },
  { input: "macos/arm64", want: { os: "darwin", architecture: "arm64" }, formatted: "darwin/arm64" },
  // Two components: the OS need not be one Go knows.
  { input: "plan10/riscv64", want: { os: "plan10", architecture: "riscv64" } },
  { input: "linux", host: HOST, want: { os: "linux", architecture: "amd64" }, formatted: "linux/amd64" },
  {
    input: "windows",
    host: ARM_V6_HOST,
    want: { os: "windows", architecture: "arm", variant: "v6" },
    formatted: "windows/arm/v6",
  },
  { input: "arm64", host: HOST, want: { os: "linux", architecture: "arm64" }, formatted: "linux/arm64" },
  {
    input: "aarch64",
    host: { os: "darwin", architecture: "arm64" },
    want: { os: "darwin", architecture: "arm64" },
    formatted: "darwin/arm64",
  },
  { input: "armhf", host: HOST, want: { os: "linux", architecture: "arm" }, formatted: "linux/arm" },
  {
    input: "windows(10.0.17763)/amd64",
    want: { os: "windows", architecture: "amd64", "os.version": "10.0.17763" },
  },
  {
    input: "windows(10.0.17763+win32k)/amd64",
    want: { os: "windows", architecture: "amd64", "os.version": "10.0.17763", "os.features": ["win32k"] },
  },
  {
    input: "windows(+b+a)/amd64",
    want: { os: "windows", architecture: "amd64", "os.features": ["b", "a"] },
    formatted: "windows(+a+b)/amd64",
  },
  {
    input: "linux(1%2B2)/amd64",
    want: { os: "linux", architecture: "amd64", "os.version": "1+2" },
  },
  { input: "", expectErr: /"" is not an os\[\(version\)\] component/ },
  { input: "linux/*", expectErr: /wildcards are not supported/ },
  { input: "linux/amd64/v1/extra", expectErr: /has 4 components, at most 3/ },
  { input: "linux/", expectErr: /"" is not a valid component/ },
  { input: "linux/amd 64", expectErr: /"amd 64" is not a valid component/ },
  { input: "lin ux/amd64", expectErr: /"lin ux" is not an os/ },
  { input: "linux(10.0", expectErr: /is not an os/ },
  { input: "linux(%ZZ)/amd64", expectErr: /malformed %-escape/ },
  { input: "foobar", host: HOST, expectErr: /neither a known operating system nor a known architecture/ },
];

describe("parsePlatform", () => {
  for (const tc of parseCases) {
    it(tc.input || '""', () => {
      const opts = { host: tc.host ?? HOST };
      if (tc.expectErr !== undefined) {
        assert.throws(
          () => parsePlatform(tc.input, opts),
          (e: unknown) => {
            assert.ok(isBerthError(e, "INVALID_ARGUMENT"));
            assert.ok(e.message.startsWith(`platform "${tc.input}": `), e.message);
            assert.match(e.message, tc.expectErr as RegExp);
            assert.ok(e.hint !== undefined);
            return true;
          },
        );
        return;
      }
      const p = parsePlatform(tc.input, opts);
      assert.deepEqual({ ...p }, tc.want);
      assert.ok(Object.isFrozen(p));
      const formatted = formatPlatform(p);
      assert.equal(formatted, tc.formatted ?? tc.input);
      assert.ok(platformMatches(parsePlatform(formatted, opts), p), "formatPlatform output parses back to a match");
    });
  }

  it("fills a lone OS or architecture from this process by default", () => {
    assert.equal(parsePlatform("linux").architecture, hostPlatform().architecture);
    assert.equal(parsePlatform("s390x").os, hostPlatform().os);
  });
});

describe("normalizePlatform", () => {
  const cases: ReadonlyArray<readonly [Platform, Platform]> = [
    [{ os: "linux", architecture: "amd64" }, { os: "linux", architecture: "amd64" }],
    [{ os: "Linux", architecture: "X86_64" }, { os: "linux", architecture: "amd64" }],
    [{ os: "linux", architecture: "amd64", variant: "v1" }, { os: "linux", architecture: "amd64" }],
    [{ os: "linux", architecture: "amd64", variant: "v2" }, { os: "linux", architecture: "amd64", variant: "v2" }],
    [{ os: "linux", architecture: "aarch64" }, { os: "linux", architecture: "arm64" }],
    [{ os: "linux", architecture: "arm64", variant: "v8" }, { os: "linux", architecture: "arm64" }],
    [{ os: "linux", architecture: "arm64", variant: "8" }, { os: "linux", architecture: "arm64" }],
    [{ os: "linux", architecture: "arm" }, { os: "linux", architecture: "arm", variant: "v7" }],
    [{ os: "linux", architecture: "arm", variant: "7" }, { os: "linux", architecture: "arm", variant: "v7" }],
    [{ os: "linux", architecture: "arm", variant: "5" }, { os: "linux", architecture: "arm", variant: "v5" }],
    [{ os: "linux", architecture: "armhf" }, { os: "linux", architecture: "arm", variant: "v7" }],
    [{ os: "linux", architecture: "armel" }, { os: "linux", architecture: "arm", variant: "v6" }],
    [{ os: "linux", architecture: "i386", variant: "x" }, { os: "linux", architecture: "386" }],
    [{ os: "macOS", architecture: "arm64" }, { os: "darwin", architecture: "arm64" }],
    [
      { os: "windows", architecture: "amd64", "os.version": "10.0.20348.1", "os.features": ["b", "a", "b"] },
      { os: "windows", architecture: "amd64", "os.version": "10.0.20348.1", "os.features": ["a", "b"] },
    ],
    [{ os: "linux", architecture: "amd64", variant: "", "os.features": [] }, { os: "linux", architecture: "amd64" }],
  ];
  for (const [input, want] of cases) {
    it(`${formatPlatform(input)} → ${formatPlatform(want)}`, () => {
      assert.deepEqual({ ...normalizePlatform(input) }, want);
    });
  }
});

describe("platformMatches", () => {
  const linux = (architecture: string, variant?: string): Platform =>
    variant === undefined ? { os: "linux", architecture } : { os: "linux", architecture, variant };
  const win = (v?: string): Platform => ({ os: "windows", architecture: "amd64", ...(v ? { "os.version": v } : {}) });
  const cases: ReadonlyArray<{ want: Platform; have: Platform; match: boolean; name: string }> = [
    { name: "equal", want: linux("amd64"), have: linux("amd64"), match: true },
    { name: "arch alias", want: linux("x86_64"), have: linux("amd64"), match: true },
    { name: "other os", want: linux("amd64"), have: win(), match: false },
    { name: "other arch", want: linux("amd64"), have: linux("arm64"), match: false },
    { name: "arm64 v8 = none", want: linux("arm64", "v8"), have: linux("arm64"), match: true },
    { name: "aarch64 = arm64/v8", want: linux("aarch64"), have: linux("arm64", "v8"), match: true },
    { name: "arm = arm v7", want: linux("arm"), have: linux("arm", "v7"), match: true },
    { name: "armhf = arm", want: linux("armhf"), have: linux("arm"), match: true },
    { name: "arm v7 ≠ v6", want: linux("arm", "v7"), have: linux("arm", "v6"), match: false },
    { name: "i386 = 386", want: linux("i386"), have: linux("386"), match: true },
    {
      name: "features subset",
      want: { os: "windows", architecture: "amd64", "os.features": ["win32k", "x"] },
      have: { os: "windows", architecture: "amd64", "os.features": ["win32k"] },
      match: true,
    },
    {
      name: "feature missing",
      want: { os: "windows", architecture: "amd64" },
      have: { os: "windows", architecture: "amd64", "os.features": ["win32k"] },
      match: false,
    },
    { name: "windows no versions", want: win(), have: win("10.0.17763.1"), match: true },
    { name: "windows image without version", want: win("10.0.17763.1"), have: win(), match: true },
    { name: "windows rs5 exact build", want: win("10.0.17763.100"), have: win("10.0.17763.5"), match: true },
    { name: "windows rs5 other build", want: win("10.0.17763.100"), have: win("10.0.17134.1"), match: false },
    { name: "windows 2022 host, 2022 image", want: win("10.0.20348.1"), have: win("10.0.20348.9"), match: true },
    { name: "windows 11 host, 2022 image", want: win("10.0.22621.1"), have: win("10.0.20348.1"), match: true },
    { name: "windows 2022 host, rs5 image", want: win("10.0.20348.1"), have: win("10.0.17763.1"), match: false },
    { name: "windows 2022 host, newer image", want: win("10.0.20348.1"), have: win("10.0.22621.1"), match: false },
    { name: "windows unreadable image version", want: win("10.0.20348.1"), have: win("ltsc"), match: false },
  ];
  for (const tc of cases) {
    it(tc.name, () => assert.equal(platformMatches(tc.want, tc.have), tc.match));
  }
});

describe("hostPlatform", () => {
  const cases: ReadonlyArray<readonly [HostPlatformOptions, Platform]> = [
    [{ platform: "linux", arch: "x64" }, { os: "linux", architecture: "amd64" }],
    [{ platform: "win32", arch: "x64" }, { os: "windows", architecture: "amd64" }],
    [{ platform: "darwin", arch: "arm64" }, { os: "darwin", architecture: "arm64", variant: "v8" }],
    [{ platform: "linux", arch: "ia32" }, { os: "linux", architecture: "386" }],
    [{ platform: "linux", arch: "arm", armVersion: "6" }, { os: "linux", architecture: "arm", variant: "v6" }],
    [{ platform: "linux", arch: "arm", armVersion: "default" }, { os: "linux", architecture: "arm", variant: "v7" }],
    [{ platform: "linux", arch: "ppc64", endianness: "LE" }, { os: "linux", architecture: "ppc64le" }],
    [{ platform: "aix", arch: "ppc64", endianness: "BE" }, { os: "aix", architecture: "ppc64" }],
    [{ platform: "linux", arch: "s390x" }, { os: "linux", architecture: "s390x" }],
    [{ platform: "linux", arch: "mipsel" }, { os: "linux", architecture: "mipsle" }],
    [{ platform: "sunos", arch: "x64" }, { os: "solaris", architecture: "amd64" }],
  ];
  for (const [opts, want] of cases) {
    it(`${opts.platform}/${opts.arch} → ${formatPlatform(want)}`, () => {
      assert.deepEqual({ ...hostPlatform(opts) }, want);
    });
  }

  it("describes this process in OCI terms", () => {
    const p = hostPlatform();
    assert.notEqual(p.os, "win32");
    assert.notEqual(p.architecture, "x64");
    assert.ok(platformMatches(p, parsePlatform(formatPlatform(p))));
  });
});
