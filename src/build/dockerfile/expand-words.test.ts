import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { isBerthError } from "../../oci/index.js";
import { WordExpansionError } from "./dockerfile-errors.js";
import { expandWord, expandWords, wordVariables } from "./expand-words.js";

// Mirrors moby's builder/dockerfile/shell/envVarTest (the Unix rows), run by
// TestShellParser4EnvVars with PWD=/home SHELL=bash KOREAN=한국어 NULL=.
// Each row: input, expected output or ERR.
const ERR = Symbol("error");
const ENV = new Map([["PWD", "/home"], ["SHELL", "bash"], ["KOREAN", "한국어"], ["NULL", ""]]);
const ENV_VAR_TEST: readonly [string, string | typeof ERR][] = [
  ["hello", "hello"],
  ["he'll'o", "hello"],
  ["he'llo", ERR],
  ["he\\'llo", "he'llo"],
  ["he\\\\'llo", ERR],
  ["abc\\tdef", "abctdef"],
  ['"abc\\tdef"', "abc\\tdef"],
  ['"abc\\\\tdef"', "abc\\tdef"],
  ["'abc\\tdef'", "abc\\tdef"],
  ["hello\\", "hello"],
  ["hello\\\\", "hello\\"],
  ['"hello', ERR],
  ['"hello\\"', ERR],
  ['"hel\'lo"', "hel'lo"],
  ["'hello", ERR],
  ["'hello\\'", "hello\\"],
  ["'hello\\there'", "hello\\there"],
  ["'hello\\\\there'", "hello\\\\there"],
  ['"\'\'"', "''"],
  ["$.", "$."],
  ["$1", ""],
  ["he$1x", "hex"],
  ["he$.x", "he$.x"],
  ["he$pwd.", "he."],
  ["he$PWD", "he/home"],
  ["he\\$PWD", "he$PWD"],
  ["he\\\\$PWD", "he\\/home"],
  ['"he\\$PWD"', "he$PWD"],
  ['"he\\\\$PWD"', "he\\/home"],
  ["\\${}", "${}"],
  ["\\${}aaa", "${}aaa"],
  ["he\\${}", "he${}"],
  ["he\\${}xx", "he${}xx"],
  ["${}", ERR],
  ["${}aaa", ERR],
  ["he${}", ERR],
  ["he${}xx", ERR],
  ["he${hi}", "he"],
  ["he${hi}xx", "hexx"],
  ["he${PWD}", "he/home"],
  ["he${.}", ERR],
  ["he${XXX:-000}xx", "he000xx"],
  ["he${PWD:-000}xx", "he/homexx"],
  ["he${XXX:-$PWD}xx", "he/homexx"],
  ["he${XXX:-${PWD:-yyy}}xx", "he/homexx"],
  ["he${XXX:-${YYY:-yyy}}xx", "heyyyxx"],
  ["he${XXX:YYY}", ERR],
  ["he${XXX:+${PWD}}xx", "hexx"],
  ["he${PWD:+${XXX}}xx", "hexx"],
  ["he${PWD:+${SHELL}}xx", "hebashxx"],
  ["he${XXX:+000}xx", "hexx"],
  ["he${PWD:+000}xx", "he000xx"],
  ["'he${XX}'", "he${XX}"],
  ['"he${PWD}"', "he/home"],
  ['"he\'$PWD\'"', "he'/home'"],
  ['"$PWD"', "/home"],
  ["'$PWD'", "$PWD"],
  ["'\\$PWD'", "\\$PWD"],
  ["'\"hello\"'", '"hello"'],
  ["'he\\$PWD'", "he\\$PWD"],
  ["he${PWD", ERR],
  ["he${PWD:=000}xx", ERR],
  ["he${PWD:+${PWD}:}xx", "he/home:xx"],
  ["he${XXX:-\\$PWD:}xx", "he$PWD:xx"],
  ["he${XXX:-\\${PWD}z}xx", "he${PWDz}xx"],
  ["안녕하세요", "안녕하세요"],
  ["안'녕'하세요", "안녕하세요"],
  ["안'녕하세요", ERR],
  ["안녕\\'하세요", "안녕'하세요"],
  ['"안녕\\t하세요"', "안녕\\t하세요"],
  ["안녕$1x", "안녕x"],
  ["안녕${XXX:-${PWD:-yyy}}xx", "안녕/homexx"],
  ["$KOREAN", "한국어"],
  ["안녕$KOREAN", "안녕한국어"],
  ["${{aaa}", ERR],
  ["${aaa}}", "}"],
  ["${aaa", ERR],
  ["${{aaa:-bbb}", ERR],
  ["${aaa:-bbb}}", "bbb}"],
  ["${aaa:-bbb", ERR],
  ["${aaa:-bbb}", "bbb"],
  ["${aaa:-${bbb:-ccc}}", "ccc"],
  ["${aaa:-bbb ${foo}", ERR],
  ["${aaa:-bbb {foo}", "bbb {foo"],
  ["${:}", ERR],
  ["${:-bbb}", ERR],
  ["${:+bbb}", ERR],
  // NULL is set but empty: the colon forms treat it as unset, the others do not.
  ["${NULL:-x}", "x"],
  ["${NULL-x}", ""],
  ["${NULL:+x}", ""],
  ["${NULL+x}", "x"],
  ["${NULL?x}", ""],
  ["${NULL:?must not be empty}", ERR],
];

describe("expandWord: docker's envVarTest table", () => {
  for (const [input, want] of ENV_VAR_TEST) {
    it(`${input} → ${want === ERR ? "error" : JSON.stringify(want)}`, () => {
      if (want === ERR) assert.throws(() => expandWord(input, ENV), (e) => isBerthError(e, "INVALID_ARGUMENT") && e instanceof WordExpansionError);
      else assert.equal(expandWord(input, ENV), want);
    });
  }
});

// Mirrors buildkit's TestProcessWithMatches rows (frontend/dockerfile/shell/lex_test.go).
const MATCHES: readonly { input: string; env: Record<string, string>; want: string | typeof ERR }[] = [
  { input: "${FOO-aaa} ${BAR-bbb} ${BAZ-ccc}", env: { FOO: "xxx", BAR: "" }, want: "xxx  ccc" },
  { input: "${FOO:-aaa} ${BAR:-bbb} ${BAZ:-ccc}", env: { FOO: "xxx", BAR: "" }, want: "xxx bbb ccc" },
  { input: "${FOO+aaa} ${BAR+bbb} ${BAZ+ccc}", env: { FOO: "xxx", BAR: "" }, want: "aaa bbb " },
  { input: "${FOO:+aaa} ${BAR:+bbb} ${BAZ:+ccc}", env: { FOO: "xxx", BAR: "" }, want: "aaa  " },
  { input: "${FOO?aaa}", env: { FOO: "xxx" }, want: "xxx" },
  { input: "${BAR?bbb}", env: { BAR: "" }, want: "" },
  { input: "${BAZ?ccc}", env: {}, want: ERR },
  { input: "${BAR:?bbb}", env: { BAR: "" }, want: ERR },
  { input: "${BAZ:?}", env: {}, want: ERR },
  { input: "${FOO=aaa}", env: { FOO: "xxx" }, want: ERR },
  { input: "${FOO=}", env: {}, want: ERR },
  { input: "${FOO#()[]{\\}^$.\\*\\?|\\\\}", env: { FOO: "()[]{}^$.*?|\\x" }, want: "x" },
  { input: "${FOO%%\\**}", env: { FOO: "xx**" }, want: "xx" },
  { input: "${FOO#*x*y}", env: { FOO: "xxyy" }, want: "y" },
  { input: "${FOO#*}", env: { FOO: "xxyy" }, want: "xxyy" },
  { input: "${FOO#$BAR}", env: { FOO: "xxyy", BAR: "x" }, want: "xyy" },
  { input: "${FOO#$BAR}", env: { FOO: "xxyy", BAR: "" }, want: "xxyy" },
  { input: "${FOO#}", env: { FOO: "xxyy" }, want: "xxyy" },
  { input: "${FOO##*x}", env: { FOO: "xxyy" }, want: "yy" },
  { input: "${FOO##}", env: { FOO: "xxyy" }, want: "xxyy" },
  { input: "${FOO#?\\?}", env: { FOO: "???y" }, want: "?y" },
  { input: "${ABC:-.}${FOO%x}${ABC:-.}", env: { FOO: "xxyy" }, want: ".xxyy." },
  { input: "${FOO%%\\**\\*}", env: { FOO: "a***yy*" }, want: "a" },
  { input: "${FOO%}", env: { FOO: "xxyy" }, want: "xxyy" },
  { input: "${FOO%%$BAR}", env: { FOO: "xxyy", BAR: "" }, want: "xxyy" },
  { input: "${FOO/$NEEDLE/.} - ${FOO//$NEEDLE/.}", env: { FOO: "/foo*/*/*.txt", NEEDLE: "\\*/" }, want: "/foo.*/*.txt - /foo..*.txt" },
  { input: "${FOO/$NEEDLE/} - ${FOO//$NEEDLE/}", env: { FOO: "/tmp/tmp/bar.txt", NEEDLE: "/tmp" }, want: "/tmp/bar.txt - /bar.txt" },
  { input: "${FOO/$NEEDLE/$REPLACEMENT} - ${FOO//$NEEDLE/$REPLACEMENT}", env: { FOO: "/a/foo/b/c.txt", NEEDLE: "/?/", REPLACEMENT: "/" }, want: "/foo/b/c.txt - /foo/c.txt" },
  { input: "${FOO/$NEEDLE/$REPLACEMENT}", env: { FOO: "http://google.de", NEEDLE: "http://", REPLACEMENT: "https://" }, want: "https://google.de" },
  { input: "${FOO//\\//\\/}", env: { FOO: "/tmp/foo.txt" }, want: "\\/tmp\\/foo.txt" },
  { input: "${FOO/$BAR/ww}", env: { FOO: "xxyy", BAR: "" }, want: "wwxxyy" },
  { input: "${FOO//ww}", env: { FOO: "xxyy" }, want: ERR },
  { input: "${FOO//}", env: { FOO: "xxyy" }, want: ERR },
  { input: "${FOO///}", env: { FOO: "xxyy" }, want: "xxyy" },
  { input: "${FOO///}", env: {}, want: "" },
  // The release-file name buildkit's TestProcessWithMatchesPlatform builds.
  {
    input: "something-${VERSION}.${TARGETOS}-${TARGETARCH}${TARGETVARIANT:+-${TARGETVARIANT}}.tar.gz",
    env: { VERSION: "v1.2.3", TARGETOS: "linux", TARGETARCH: "arm", TARGETVARIANT: "v7" },
    want: "something-v1.2.3.linux-arm-v7.tar.gz",
  },
  {
    input: "something-${VERSION}.${TARGETOS}-${TARGETARCH}${TARGETVARIANT:+-${TARGETVARIANT}}.tar.gz",
    env: { VERSION: "v1.2.3", TARGETOS: "linux", TARGETARCH: "amd64" },
    want: "something-v1.2.3.linux-amd64.tar.gz",
  },
];

describe("expandWord: modifiers and patterns (buildkit's TestProcessWithMatches)", () => {
  for (const c of MATCHES) {
    it(`${c.input} with ${JSON.stringify(c.env)}`, () => {
      const vars = new Map(Object.entries(c.env));
      if (c.want === ERR) assert.throws(() => expandWord(c.input, vars), WordExpansionError);
      else assert.equal(expandWord(c.input, vars), c.want);
    });
  }

  it("${VAR:?message} names the variable and the message, and the error quotes the word", () => {
    assert.throws(() => expandWord("${VAR:?message here$ARG}", new Map([["ARG", "x"]])),
      (e: Error) => /failed to process "\$\{VAR:\?message here\$ARG\}": VAR: message herex/.test(e.message));
    assert.throws(() => expandWord("${VAR?}", new Map()), /VAR: is not allowed to be unset/);
    assert.throws(() => expandWord("${VAR:?}", new Map([["VAR", ""]])), /VAR: is not allowed to be empty/);
  });

  it("a bad escape in a pattern is an error naming the pattern", () => {
    assert.throws(() => expandWord("${FOO#a\\x}", new Map([["FOO", "ax"]])), /invalid pattern \(a\\x\) in substitution: invalid escape/);
  });

  it("pattern matching stays linear on a hostile pattern (no backtracking RegExp)", () => {
    const value = "a".repeat(20_000);
    const started = Date.now();
    assert.equal(expandWord("${V#*a*a*a*a*a*a*a*b}", new Map([["V", value]])), value);
    assert.equal(expandWord("${V//*b/x}", new Map([["V", value]])), value);
    assert.ok(Date.now() - started < 5000, `took ${Date.now() - started} ms`);
  });
});

describe("expandWord: escape character and odd input", () => {
  it("with # escape=` the backtick escapes and a backslash is literal", () => {
    const vars = new Map([["X", "1"]]);
    assert.equal(expandWord("C:\\path\\$X", vars, "`"), "C:\\path\\1");
    assert.equal(expandWord("`$X", vars, "`"), "$X");
    assert.equal(expandWord('"a`"b"', vars, "`"), 'a"b');
  });

  it("unicode variable names and values", () => {
    assert.equal(expandWord("$名前-${名前}", new Map([["名前", "值"]])), "值-值");
  });

  it("deep nesting is refused with an error, not a stack overflow", () => {
    const deep = "${a:-".repeat(5000) + "x" + "}".repeat(5000);
    assert.throws(() => expandWord(deep, new Map()), /nested more than/);
    assert.equal(expandWord("${a:-".repeat(50) + "x" + "}".repeat(50), new Map()), "x");
  });

  it("a 1 MB value splits into words in linear time", () => {
    const started = Date.now();
    assert.equal(expandWords("$X", new Map([["X", "ab ".repeat(350_000)]])).length, 350_000);
    assert.equal(expandWords("'" + "a b".repeat(350_000) + "'", new Map()).length, 1);
    assert.ok(Date.now() - started < 5000, `took ${Date.now() - started} ms`);
  });

  it("a 1 MB word expands in linear time", () => {
    const word = "ab${X}".repeat(200_000);
    const started = Date.now();
    assert.equal(expandWord(word, new Map([["X", "c"]])).length, 600_000);
    assert.ok(Date.now() - started < 5000);
  });
});

// Word splitting, as buildkit's wordsTest exercises ProcessWords.
const WORDS: readonly [string, Record<string, string>, string[] | typeof ERR][] = [
  ["hello", {}, ["hello"]],
  ["hello world", {}, ["hello", "world"]],
  ["  hello   world  ", {}, ["hello", "world"]],
  ["'hello world'", {}, ["hello world"]],
  ['"hello world" x', {}, ["hello world", "x"]],
  ["hello\\ world", {}, ["hello world"]],
  ['""', {}, []],
  ["''", {}, []],
  ["a '' b", {}, ["a", "b"]],
  ["$X", { X: "80 443" }, ["80", "443"]],
  ['"$X"', { X: "80 443" }, ["80 443"]],
  ["a$X", { X: "b c" }, ["ab", "c"]],
  ["${X:-8080/tcp 9090}", {}, ["8080/tcp", "9090"]],
  ["$UNSET", {}, []],
  ["a\tb\nc", {}, ["a", "b", "c"]],
  ["'a", {}, ERR],
];

describe("expandWords", () => {
  for (const [input, env, want] of WORDS) {
    it(`${JSON.stringify(input)} → ${want === ERR ? "error" : JSON.stringify(want)}`, () => {
      const vars = new Map(Object.entries(env));
      if (want === ERR) assert.throws(() => expandWords(input, vars), WordExpansionError);
      else assert.deepEqual(expandWords(input, vars), want);
    });
  }
});

describe("wordVariables", () => {
  const cases: readonly [string, string[]][] = [
    ["plain", []],
    ["$A ${B} ${C:-$D} ${E#x}", ["A", "B", "C", "D", "E"]],
    ["${A:-$B} $A", ["A", "B"]],
    ["'$SINGLE' \\$ESCAPED \"$DOUBLE\"", ["DOUBLE"]],
    ["$1 $@ $? $$", []],
    ["${X:?required}", ["X"]],
    // Shell code docker's lexer rejects: every $NAME counts, single-quoted ones too (never fewer).
    ["echo ${#PATH} '$Q' $R", ["PATH", "Q", "R"]],
  ];
  for (const [input, want] of cases) {
    it(JSON.stringify(input), () => assert.deepEqual(wordVariables(input), want));
  }
});
