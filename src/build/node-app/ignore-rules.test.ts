import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isBerthError } from "../../oci/index.js";
import { compileGlob, IgnoreRules, type IgnoreSyntax } from "./ignore-rules.js";

interface Case {
  readonly name: string;
  readonly syntax: IgnoreSyntax;
  readonly rules: string;
  /** path → excluded?; a trailing "/" marks a directory. */
  readonly expect: Readonly<Record<string, boolean>>;
}

const cases: readonly Case[] = [
  { name: "dockerignore anchors at the root", syntax: "dockerignore", rules: "foo\n", expect: { foo: true, "foo/x.js": true, "a/foo": false } },
  { name: "leading / changes nothing in dockerignore", syntax: "dockerignore", rules: "/foo\n", expect: { foo: true, "a/foo": false } },
  { name: "* stops at /", syntax: "dockerignore", rules: "*.log\n", expect: { "a.log": true, "dir/a.log": false } },
  { name: "** spans directories", syntax: "dockerignore", rules: "**/*.log\n", expect: { "a.log": true, "dir/sub/a.log": true, "a.txt": false } },
  { name: "** in the middle matches zero directories", syntax: "dockerignore", rules: "src/**/test\n", expect: { "src/test": true, "src/a/b/test/x.js": true, "src/testing": false } },
  { name: "trailing /** matches below", syntax: "dockerignore", rules: "build/**\n", expect: { "build/a": true, "build/a/b": true, builds: false } },
  { name: "? is one character", syntax: "dockerignore", rules: "?.js\n", expect: { "a.js": true, "ab.js": false } },
  { name: "classes and negated classes", syntax: "dockerignore", rules: "[a-c].js\n[!x]y\n", expect: { "b.js": true, "d.js": false, zy: true, xy: false } },
  { name: "! re-includes, the last match wins", syntax: "dockerignore", rules: "*.md\n!README.md\n", expect: { "CHANGES.md": true, "README.md": false } },
  { name: "exclude all but src", syntax: "dockerignore", rules: "*\n!src\n", expect: { "package.json": true, src: false, "src/a.js": false } },
  { name: "a later exclude beats an earlier !", syntax: "dockerignore", rules: "!keep.txt\n*.txt\n", expect: { "keep.txt": true } },
  { name: "comments, blanks and spaces", syntax: "dockerignore", rules: "# a comment\n\n  tmp  \n", expect: { tmp: true, "# a comment": false } },
  { name: "cleaned: a/../b and ./c", syntax: "dockerignore", rules: "a/../b\n./c\n", expect: { b: true, c: true, a: false } },
  { name: "escapes", syntax: "dockerignore", rules: "\\*.js\n", expect: { "*.js": true, "a.js": false } },
  { name: "gitignore: no slash matches at any depth", syntax: "gitignore", rules: "*.log\ncoverage\n", expect: { "a.log": true, "x/y/a.log": true, "pkg/coverage/lcov": true } },
  { name: "gitignore: a middle slash anchors", syntax: "gitignore", rules: "doc/*.txt\n", expect: { "doc/a.txt": true, "x/doc/a.txt": false } },
  { name: "gitignore: trailing slash means directories only", syntax: "gitignore", rules: "out/\n", expect: { "out/": true, "out/a.js": true, out: false } },
  { name: "gitignore: leading slash anchors", syntax: "gitignore", rules: "/dist\n", expect: { dist: true, "a/dist": false } },
  { name: "gitignore: escaped ! and #", syntax: "gitignore", rules: "\\!bang\n\\#hash\n", expect: { "!bang": true, "#hash": true } },
];

describe("IgnoreRules", () => {
  for (const c of cases) {
    it(c.name, () => {
      const rules = IgnoreRules.parse(c.rules, c.syntax, "test");
      for (const [path, excluded] of Object.entries(c.expect)) {
        const isDir = path.endsWith("/");
        assert.equal(rules.isExcluded(path.replace(/\/$/, ""), isDir), excluded, `${path} with ${JSON.stringify(c.rules)}`);
      }
    });
  }

  it("isNegatedExactly only for a ! rule naming the path itself", () => {
    const rules = IgnoreRules.parse("!config\n!certs/ca.pem\n", "dockerignore", "test");
    assert.equal(rules.isNegatedExactly("certs/ca.pem", false), true);
    assert.equal(rules.isNegatedExactly("config/.env", false), false);
  });

  it("mayReincludeBelow looks for ! rules that reach into a directory", () => {
    const rules = IgnoreRules.parse("docs\n!docs/keep.md\n", "dockerignore", "test");
    assert.equal(rules.mayReincludeBelow("docs"), true);
    assert.equal(rules.mayReincludeBelow("other"), false);
    assert.equal(IgnoreRules.parse("a\n!**/x\n", "dockerignore", "t").mayReincludeBelow("a"), true);
  });

  it("refuses hostile input naming the line", () => {
    for (const [text, re] of [
      ["ok\n[abc\n", /test:2: pattern "\[abc": "\[" without a closing "\]"/],
      ["x".repeat(5000), /pattern of 5000 characters/],
      ["a\0b", /NUL in pattern/],
      ["a\n".repeat(10_001), /lines; at most 10000/],
      ["trailing\\", /lone \\/],
    ] as const) {
      assert.throws(() => IgnoreRules.parse(text, "dockerignore", "test"), (e: unknown) => isBerthError(e, "INVALID_ARGUMENT") && re.test((e as Error).message));
    }
  });

  it("regex metacharacters in patterns are literal", () => {
    assert.equal(compileGlob("a+(b).js", "t")("a+(b).js"), true);
    assert.equal(compileGlob("a+(b).js", "t")("aa(b)xjs"), false);
  });

  it("stays fast on a pathological pattern", () => {
    const rules = IgnoreRules.parse(`${"*a".repeat(30)}b\n**/${"**/a".repeat(30)}c\n`, "dockerignore", "t");
    const started = Date.now();
    assert.equal(rules.isExcluded("a".repeat(4000), false), false);
    assert.equal(rules.isExcluded(`${"a/".repeat(200)}b`, false), false);
    assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`);
  });
});
