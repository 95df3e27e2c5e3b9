import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { hasWildcards, matchGlob } from "./copy-glob.js";

describe("matchGlob", () => {
  // Go's path/filepath match_test.go table; a bad pattern (ErrBadPattern there) matches nothing, as docker ignores the error.
  const cases: readonly [pattern: string, name: string, matches: boolean][] = [
    ["abc", "abc", true], ["*", "abc", true], ["*c", "abc", true], ["a*", "a", true], ["a*", "abc", true], ["a*", "ab/c", false],
    ["a*/b", "abc/b", true], ["a*/b", "a/c/b", false], ["a*b*c*d*e*/f", "axbxcxdxe/f", true], ["a*b*c*d*e*/f", "axbxcxdxexxx/f", true],
    ["a*b*c*d*e*/f", "axbxcxdxe/xxx/f", false], ["a*b*c*d*e*/f", "axbxcxdxexxx/fff", false],
    ["a*b?c*x", "abxbbxdbxebxczzx", true], ["a*b?c*x", "abxbbxdbxebxczzy", false],
    ["ab[c]", "abc", true], ["ab[b-d]", "abc", true], ["ab[e-g]", "abc", false], ["ab[^c]", "abc", false], ["ab[^b-d]", "abc", false], ["ab[^e-g]", "abc", true],
    ["a\\*b", "a*b", true], ["a\\*b", "ab", false], ["a?b", "a☺b", true], ["a[^a]b", "a☺b", true], ["a???b", "a☺b", false], ["a[^a][^a][^a]b", "a☺b", false],
    ["[a-ζ]*", "α", true], ["*[a-ζ]", "A", false], ["a?b", "a/b", false], ["a*b", "a/b", false],
    ["[\\]a]", "]", true], ["[\\-]", "-", true], ["[x\\-]", "x", true], ["[x\\-]", "-", true], ["[x\\-]", "z", false],
    ["[\\-x]", "x", true], ["[\\-x]", "-", true], ["[\\-x]", "a", false],
    ["[]a]", "]", false], ["[-]", "-", false], ["[x-]", "x", false], ["[x-]", "-", false], ["[x-]", "z", false], ["[-x]", "x", false], ["[-x]", "-", false], ["[-x]", "a", false],
    ["\\", "a", false], ["[a-b-c]", "a", false], ["[", "a", false], ["[^", "a", false], ["[^bc", "a", false], ["a[", "a", false], ["a[", "ab", false],
    ["a[", "x", false], ["a/b[", "x", false], ["*x", "xxx", true],
    // COPY's own cases: no `**`, `!` is no negation, classes, escapes, unicode and newlines in names.
    ["**", "a/b", false], ["**/x", "d1/x", true], ["[!a]", "b", false], ["[!a]", "!", true], ["[[]x].txt", "[x].txt", true],
    ["c\\*.tx?", "c*.txt", true], ["c\\*.tx?", "cx.txt", false], ["nl*", "nl\nname", true], ["ü*", "ünï cödé.txt", true], ["*/x", "d1/x", true], ["*/x", "d1/in/x", false],
  ];
  for (const [pattern, name, matches] of cases) {
    it(`${JSON.stringify(pattern)} ${matches ? "matches" : "does not match"} ${JSON.stringify(name)}`, () => {
      assert.equal(matchGlob(pattern, name), matches);
    });
  }

  it("stays fast on a pattern built to make a backtracking matcher explode", () => {
    const started = Date.now();
    assert.equal(matchGlob(`${"a*".repeat(30)}b`, "a".repeat(5000)), false);
    assert.ok(Date.now() - started < 2_000, `took ${Date.now() - started} ms`);
  });
});

describe("hasWildcards", () => {
  const cases: readonly [string, boolean][] = [
    ["a.txt", false], ["*.txt", true], ["a?", true], ["[ab]", true], ["c\\*.txt", false], ["c\\*.tx?", true], ["dir/sub/", false], ["\\[x]", false], ["a\\", false],
  ];
  for (const [source, expected] of cases) {
    it(`${JSON.stringify(source)}: ${expected}`, () => assert.equal(hasWildcards(source), expected));
  }
});
