import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { InvalidArgumentError, isBerthError } from "./errors.js";
import { familiarName, formatReference, isValidTag, parseReference, parseRepositoryName } from "./reference.js";

const SHA256 = "sha256:7cc4b5aefd1d0cadf8d97d4350462ba51c694ebca145b08d7d41b41acc8db5aa";
const SHA512 = `sha512:${"f".repeat(128)}`;
const HEX64 = SHA256.slice("sha256:".length);

interface ReferenceCase {
  readonly input: string;
  readonly want?: { registry: string; repository: string; tag?: string; digest?: string };
  /** formatReference of the result. */
  readonly full?: string;
  /** familiarName of the result. */
  readonly familiar?: string;
  readonly expectErr?: RegExp;
  readonly hint?: RegExp;
}

// Most cases come from distribution/reference's reference_test.go and normalize_test.go.
const referenceCases: readonly ReferenceCase[] = [
  {
    input: "nginx",
    want: { registry: "docker.io", repository: "library/nginx", tag: "latest" },
    full: "docker.io/library/nginx:latest",
    familiar: "nginx:latest",
  },
  {
    input: "nginx:1.27",
    want: { registry: "docker.io", repository: "library/nginx", tag: "1.27" },
    familiar: "nginx:1.27",
  },
  { input: "library/nginx:1.27", want: { registry: "docker.io", repository: "library/nginx", tag: "1.27" } },
  { input: "docker.io/nginx", want: { registry: "docker.io", repository: "library/nginx", tag: "latest" } },
  { input: "docker.io/library/nginx", want: { registry: "docker.io", repository: "library/nginx", tag: "latest" } },
  {
    input: "index.docker.io/library/nginx:latest",
    want: { registry: "docker.io", repository: "library/nginx", tag: "latest" },
    full: "docker.io/library/nginx:latest",
  },
  { input: "index.docker.io/foo", want: { registry: "docker.io", repository: "library/foo", tag: "latest" } },
  {
    input: "foo/bar",
    want: { registry: "docker.io", repository: "foo/bar", tag: "latest" },
    full: "docker.io/foo/bar:latest",
    familiar: "foo/bar:latest",
  },
  {
    input: "library/foo/bar",
    want: { registry: "docker.io", repository: "library/foo/bar", tag: "latest" },
    familiar: "library/foo/bar:latest",
  },
  {
    input: "localhost/foo",
    want: { registry: "localhost", repository: "foo", tag: "latest" },
    familiar: "localhost/foo:latest",
  },
  {
    input: `localhost:5000/a/b@${SHA256}`,
    want: { registry: "localhost:5000", repository: "a/b", digest: SHA256 },
    full: `localhost:5000/a/b@${SHA256}`,
    familiar: `localhost:5000/a/b@${SHA256}`,
  },
  {
    input: `busybox:latest@${SHA256}`,
    want: { registry: "docker.io", repository: "library/busybox", tag: "latest", digest: SHA256 },
    full: `docker.io/library/busybox:latest@${SHA256}`,
    familiar: `busybox:latest@${SHA256}`,
  },
  {
    input: "ghcr.io/org/app:v1.2.3",
    want: { registry: "ghcr.io", repository: "org/app", tag: "v1.2.3" },
    familiar: "ghcr.io/org/app:v1.2.3",
  },
  // One component: never a registry, so the port reads as a tag.
  { input: "test.com:5000", want: { registry: "docker.io", repository: "library/test.com", tag: "5000" } },
  { input: "localhost", want: { registry: "docker.io", repository: "library/localhost", tag: "latest" } },
  { input: "192.168.1.1:5000/repo:5050", want: { registry: "192.168.1.1:5000", repository: "repo", tag: "5050" } },
  { input: "[::1]:5000/repo", want: { registry: "[::1]:5000", repository: "repo", tag: "latest" } },
  { input: "[2001:db8::1]/repo:tag", want: { registry: "[2001:db8::1]", repository: "repo", tag: "tag" } },
  {
    input: "[fc00:1:2:3:4:5:6:7]:5000/library/debian",
    want: { registry: "[fc00:1:2:3:4:5:6:7]:5000", repository: "library/debian", tag: "latest" },
    familiar: "[fc00:1:2:3:4:5:6:7]:5000/library/debian:latest",
  },
  // An upper-case first component is taken as a host, as docker does.
  { input: "Foo/bar", want: { registry: "Foo", repository: "bar", tag: "latest" }, familiar: "Foo/bar:latest" },
  { input: "xn--n3h.com:18080/foo", want: { registry: "xn--n3h.com:18080", repository: "foo", tag: "latest" } },
  { input: "test-com:8080/foo", want: { registry: "test-com:8080", repository: "foo", tag: "latest" } },
  { input: "test_com/foo", want: { registry: "docker.io", repository: "test_com/foo", tag: "latest" } },
  { input: "dock__er/docker", want: { registry: "docker.io", repository: "dock__er/docker", tag: "latest" } },
  {
    input: "docker---rules/docker",
    want: { registry: "docker.io", repository: "docker---rules/docker", tag: "latest" },
  },
  { input: "lowercase:Uppercase", want: { registry: "docker.io", repository: "library/lowercase", tag: "Uppercase" } },
  { input: `docker.io/${HEX64}`, want: { registry: "docker.io", repository: `library/${HEX64}`, tag: "latest" } },
  { input: HEX64.slice(1), want: { registry: "docker.io", repository: `library/${HEX64.slice(1)}`, tag: "latest" } },
  { input: `repo@${SHA512}`, want: { registry: "docker.io", repository: "library/repo", digest: SHA512 } },
  {
    input: "sub-dom1.foo.com/bar/baz/quux:some-long-tag",
    want: { registry: "sub-dom1.foo.com", repository: "bar/baz/quux", tag: "some-long-tag" },
  },
  { input: "a:_tag", want: { registry: "docker.io", repository: "library/a", tag: "_tag" } },
  { input: `a:${"t".repeat(128)}`, want: { registry: "docker.io", repository: "library/a", tag: "t".repeat(128) } },
  // 255 characters of repository; the registry does not count (distribution/reference#9).
  {
    input: `example.com/${"a/".repeat(127)}a`,
    want: { registry: "example.com", repository: `${"a/".repeat(127)}a`, tag: "latest" },
  },

  { input: "", expectErr: /is empty/ },
  { input: HEX64, expectErr: /ambiguous with an image ID/, hint: /docker\.io\// },
  { input: "Uppercase:tag", expectErr: /upper-case/, hint: /repository name must be lowercase/ },
  { input: "docker/Docker", expectErr: /upper-case/, hint: /repository name must be lowercase/ },
  { input: "localhost:5000/Foo/bar", expectErr: /repository "Foo\/bar" has upper-case/, hint: /must be lowercase/ },
  { input: "-docker", expectErr: /path component "-docker" is invalid/ },
  { input: "docker-/docker", expectErr: /path component "docker-" is invalid/ },
  { input: "docker///docker", expectErr: /empty path component/ },
  { input: "docker/", expectErr: /empty path component/ },
  { input: "____/____", expectErr: /path component "____" is invalid/ },
  // A '.' makes the first component a registry, as in docker.
  { input: "dock..er/docker", expectErr: /registry "dock\.\.er" is not a valid host/ },
  { input: "docker/dock..er", expectErr: /path component "dock\.\.er" is invalid/ },
  { input: "docker/dock_.er", expectErr: /path component "dock_\.er" is invalid/ },
  { input: "aa/asdf$$^/aa", expectErr: /path component "asdf\$\$\^" is invalid/ },
  { input: "https://github.com/docker/docker", expectErr: /registry "https:" is not a valid host/ },
  { input: "fc00::1:5000/debian", expectErr: /registry "fc00::1:5000"/ },
  { input: "[fe80::1%eth0]:5000/debian", expectErr: /registry "\[fe80::1%eth0\]:5000"/ },
  { input: "[2001:db8::1]:5000", expectErr: /path component "\[2001" is invalid/ },
  { input: "foo:bar/baz", expectErr: /registry "foo:bar"/ },
  // docker would read this as a repository with no registry; berth refuses it.
  { input: "my_host.com/app", expectErr: /registry "my_host\.com" is not a valid host/ },
  { input: ":justtag", expectErr: /names no repository/ },
  { input: `@${SHA256}`, expectErr: /names no repository/ },
  { input: `repo@sha256:${"f".repeat(34)}`, expectErr: /digest: sha256 digest must be 64/ },
  { input: `validname@invaliddigest:${"f".repeat(64)}`, expectErr: /digest algorithm "invaliddigest"/ },
  { input: `nginx@sha256:${HEX64.toUpperCase()}`, expectErr: /digest: sha256 digest must be 64 lower-case/ },
  { input: "nginx:tag@", expectErr: /digest: "" is not a digest/ },
  { input: "nginx:", expectErr: /tag "" is invalid/ },
  { input: "nginx:-x", expectErr: /tag "-x" is invalid/, hint: /does not start with/ },
  { input: "nginx:.x", expectErr: /tag "\.x" is invalid/ },
  { input: `nginx:${"t".repeat(129)}`, expectErr: /tag "t+" is invalid/ },
  { input: "foo/bar:tag/x", expectErr: /tag "tag\/x" is invalid/ },
  // "library/" is counted: the normalised path is 257 characters.
  { input: `${"a/".repeat(128)}a:tag`, expectErr: /repository is 257 characters, more than 255/ },
  { input: `example.com/${"a/".repeat(127)}ab`, expectErr: /repository is 256 characters/ },
];

const label = (s: string): string => (s.length > 60 ? `${s.slice(0, 57)}...` : s) || '""';

describe("parseReference", () => {
  for (const tc of referenceCases) {
    it(label(tc.input), () => {
      if (tc.expectErr !== undefined) {
        assert.throws(
          () => parseReference(tc.input),
          (e: unknown) => {
            assert.ok(e instanceof InvalidArgumentError);
            assert.ok(isBerthError(e, "INVALID_ARGUMENT"));
            assert.ok(e.message.includes(`"${tc.input}"`), `message names the input: ${e.message}`);
            assert.match(e.message, tc.expectErr as RegExp);
            if (tc.hint !== undefined) assert.match(e.hint ?? "", tc.hint);
            return true;
          },
        );
        return;
      }
      const r = parseReference(tc.input);
      assert.deepEqual({ ...r }, tc.want);
      assert.ok(Object.isFrozen(r));
      if (tc.full !== undefined) assert.equal(formatReference(r), tc.full);
      if (tc.familiar !== undefined) assert.equal(familiarName(r), tc.familiar);
      // Both printed forms parse back to the same reference.
      assert.deepEqual(parseReference(formatReference(r)), r);
      assert.deepEqual(parseReference(familiarName(r)), r);
    });
  }
});

interface NameCase {
  readonly input: string;
  readonly expectErr?: RegExp;
  readonly hint?: RegExp;
}

const repositoryNameCases: readonly NameCase[] = [
  { input: "library/nginx" },
  { input: "a" },
  { input: "a0/b.c/d_e/f__g/h---i" },
  { input: "a/".repeat(127) + "a" },
  { input: "", expectErr: /is empty/ },
  { input: "a/".repeat(128), expectErr: /is 256 characters, more than 255/ },
  { input: "Library/nginx", expectErr: /upper-case/, hint: /repository name must be lowercase/ },
  { input: "nginx:latest", expectErr: /has a tag, digest or port/ },
  { input: "localhost:5000/nginx", expectErr: /has a tag, digest or port/ },
  { input: `nginx@${SHA256}`, expectErr: /has a tag, digest or port/ },
  { input: "/nginx", expectErr: /empty path component/ },
  { input: "a//b", expectErr: /empty path component/ },
  { input: "a/b/", expectErr: /empty path component/ },
  { input: "a_.b", expectErr: /path component "a_\.b" is invalid/ },
  { input: "a___b", expectErr: /path component "a___b" is invalid/ },
  { input: ".a", expectErr: /path component "\.a" is invalid/ },
];

describe("parseRepositoryName", () => {
  for (const tc of repositoryNameCases) {
    it(label(tc.input), () => {
      if (tc.expectErr === undefined) {
        assert.equal(parseRepositoryName(tc.input), tc.input);
        return;
      }
      assert.throws(
        () => parseRepositoryName(tc.input),
        (e: unknown) => {
          assert.ok(isBerthError(e, "INVALID_ARGUMENT"));
          assert.ok(e.message.startsWith(`repository name "${tc.input}": `), e.message);
          assert.match(e.message, tc.expectErr as RegExp);
          if (tc.hint !== undefined) assert.match(e.hint ?? "", tc.hint);
          return true;
        },
      );
    });
  }
});

describe("isValidTag", () => {
  const cases: ReadonlyArray<readonly [string, boolean]> = [
    ["latest", true],
    ["1.27.0-alpine", true],
    ["_x", true],
    ["UPPER_case", true],
    ["t".repeat(128), true],
    ["", false],
    [".x", false],
    ["-x", false],
    ["a:b", false],
    ["a/b", false],
    ["t".repeat(129), false],
    ["é", false],
  ];
  for (const [tag, want] of cases) {
    it(`${label(tag)} → ${want}`, () => assert.equal(isValidTag(tag), want));
  }
});
