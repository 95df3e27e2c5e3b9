import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { parseDotenv } from "./dotenv.js";
import { ComposeFileError } from "./compose-file-error.js";

const parse = (text: string, env: Record<string, string> = {}) => parseDotenv(text, { file: ".env", lookup: (k) => env[k] });

// 05-services.md "Env_file format", each rule's examples.
const CASES: readonly { name: string; text: string; want: Record<string, string>; env?: Record<string, string> }[] = [
  { name: "VAR=VAL", text: "VAR=VAL", want: { VAR: "VAL" } },
  { name: "double-quoted", text: 'VAR="VAL"', want: { VAR: "VAL" } },
  { name: "single-quoted", text: "VAR='VAL'", want: { VAR: "VAL" } },
  { name: "inline comment after a space", text: "VAR=VAL # comment", want: { VAR: "VAL" } },
  { name: "# without a space is not a comment", text: "VAR=VAL# not a comment", want: { VAR: "VAL# not a comment" } },
  { name: "# inside double quotes", text: 'VAR="VAL # not a comment"', want: { VAR: "VAL # not a comment" } },
  { name: "comment after the closing quote", text: 'VAR="VAL" # comment', want: { VAR: "VAL" } },
  { name: "single quotes are literal", text: "VAR='$OTHER'\nVAR2='${OTHER}'", want: { VAR: "$OTHER", VAR2: "${OTHER}" }, env: { OTHER: "x" } },
  { name: "escaped single quote", text: "VAR='Let\\'s go!'", want: { VAR: "Let's go!" } },
  { name: "escaped double quotes", text: 'VAR="{\\"hello\\": \\"json\\"}"', want: { VAR: '{"hello": "json"}' } },
  { name: "\\t in double quotes", text: 'VAR="some\\tvalue"', want: { VAR: "some\tvalue" } },
  { name: "\\t in single quotes stays", text: "VAR='some\\tvalue'", want: { VAR: "some\\tvalue" } },
  { name: "\\t unquoted stays", text: "VAR=some\\tvalue", want: { VAR: "some\\tvalue" } },
  { name: "\\n and \\\\ in double quotes", text: 'VAR="a\\nb\\\\c"', want: { VAR: "a\nb\\c" } },
  { name: "empty value", text: "VAR=", want: { VAR: "" } },
  { name: "bare VAR takes the environment", text: "VAR", want: { VAR: "from-env" }, env: { VAR: "from-env" } },
  { name: "bare VAR without environment is unset", text: "VAR", want: {} },
  { name: "export prefix", text: "export VAR=1", want: { VAR: "1" } },
  { name: "comments and blank lines", text: "# Set Rails/Rack environment\n\nRACK_ENV=development\n  # indented comment\nVAR=\"quoted\"\n", want: { RACK_ENV: "development", VAR: "quoted" } },
  { name: "interpolation unquoted", text: "A=1\nB=${A}2", want: { A: "1", B: "12" } },
  { name: "interpolation in double quotes with default", text: 'B="${NOPE:-d}"', want: { B: "d" } },
  { name: "environment wins inside interpolation", text: "A=file\nB=$A", want: { A: "file", B: "env" }, env: { A: "env" } },
  { name: "\\$ in double quotes is literal", text: 'A="\\$HOME"', want: { A: "$HOME" } },
  { name: "multi-line double-quoted", text: 'KEY="line one\nline two"\nNEXT=1', want: { KEY: "line one\nline two", NEXT: "1" } },
  { name: "CRLF line ends", text: "A=1\r\nB=2\r\n", want: { A: "1", B: "2" } },
  { name: "BOM at the start", text: "\uFEFFA=1", want: { A: "1" } },
  { name: "later line wins", text: "A=1\nA=2", want: { A: "2" } },
  { name: "yaml-style colon", text: "A: 1", want: { A: "1" } },
  { name: "dots and dashes in names", text: "my.var-1=x", want: { "my.var-1": "x" } },
];

describe("parseDotenv", () => {
  for (const c of CASES) it(c.name, () => assert.deepEqual(parse(c.text, c.env), c.want));

  it("raw format keeps quotes and dollars", () => {
    assert.deepEqual(parseDotenv("A='x' $B\nC=\"y\"", { file: "e", format: "raw" }), { A: "'x' $B", C: '"y"' });
  });

  const ERRORS: readonly { name: string; input: string | Uint8Array; line?: number; match: RegExp }[] = [
    { name: "unterminated double quote", input: 'OK=1\nA="never closed\nB=2', line: 2, match: /never closed/ },
    { name: "junk after the closing quote", input: 'A="x" y', line: 1, match: /after the closing quote/ },
    { name: "space inside a name", input: "MY VAR=1", line: 1, match: /not a variable name/ },
    { name: "a NUL byte", input: "A=1\nB=\0\n", line: 2, match: /NUL/ },
    { name: "bytes that are not UTF-8", input: new Uint8Array([0x41, 0x3d, 0xff, 0xfe, 0x0a]), match: /not UTF-8/ },
    { name: "binary junk", input: new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00, 0x00, 0x00]), match: /NUL|not a variable name/ },
    { name: "bad interpolation", input: "A=${B", line: 1, match: /never closed/ },
    { name: "required variable", input: "A=${B:?give B}", line: 1, match: /give B/ },
  ];
  for (const c of ERRORS) {
    it(`refuses ${c.name} with the file and line`, () => {
      assert.throws(() => parseDotenv(c.input, { file: "/p/.env", lookup: () => undefined }), (e: Error) => {
        assert.ok(e instanceof ComposeFileError);
        assert.equal(e.file, "/p/.env");
        if (c.line !== undefined) assert.equal(e.line, c.line);
        assert.match(e.message, c.match);
        return true;
      });
    });
  }

  it("reads a megabyte of random bytes as an error or a mapping, never a crash or a hang", () => {
    let seed = 42;
    const junk = new Uint8Array(1 << 20).map(() => (seed = (seed * 1103515245 + 12345) % 2 ** 31) & 0xff);
    const started = Date.now();
    try {
      parseDotenv(junk, { file: "junk" });
    } catch (e) {
      assert.ok(e instanceof ComposeFileError);
    }
    assert.ok(Date.now() - started < 5000);
  });
});
