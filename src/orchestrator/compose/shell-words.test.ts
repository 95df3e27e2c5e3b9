import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { splitShellWords } from "./shell-words.js";

// Expected words are what go-shellwords (docker compose's splitter) gives.
const CASES: readonly { line: string; words: string[]; dropped?: string }[] = [
  { line: "bundle exec thin -p 3000", words: ["bundle", "exec", "thin", "-p", "3000"] },
  { line: "  spaced\t\tout  ", words: ["spaced", "out"] },
  { line: "echo 'hello world'", words: ["echo", "hello world"] },
  { line: 'echo "hello world"', words: ["echo", "hello world"] },
  { line: `echo "it's" 'say "hi"'`, words: ["echo", "it's", 'say "hi"'] },
  { line: 'a"b c"d', words: ["ab cd"] },
  { line: "echo '' \"\"", words: ["echo", "", ""] },
  { line: "echo a\\ b", words: ["echo", "a b"] },
  { line: "printf a\\tb", words: ["printf", "a\tb"] },
  { line: "echo '\\t'", words: ["echo", "\\t"] },
  { line: "echo $HOME ${X}", words: ["echo", "$HOME", "${X}"] },
  { line: "echo $(date)", words: ["echo", "$(date)"] },
  { line: "echo `date`", words: ["echo", "`date`"] },
  { line: "", words: [] },
  { line: "sh -c 'a && b'", words: ["sh", "-c", "a && b"] },
  { line: "echo a && echo b", words: ["echo", "a"], dropped: "&& echo b" },
  { line: "run; other", words: ["run"], dropped: "; other" },
  { line: "cat x | grep y", words: ["cat", "x"], dropped: "| grep y" },
  { line: "cmd 2>/dev/null", words: ["cmd"], dropped: "2>/dev/null" },
  { line: "cmd > out", words: ["cmd"], dropped: "> out" },
];

describe("splitShellWords", () => {
  for (const c of CASES) {
    it(JSON.stringify(c.line), () => {
      const r = splitShellWords(c.line);
      assert.deepEqual(r.words, c.words);
      assert.equal(r.dropped, c.dropped);
    });
  }
  for (const bad of ["echo 'open", 'echo "open', "trailing\\", "echo (x)", "echo x)"]) {
    it(`refuses ${JSON.stringify(bad)}`, () => assert.throws(() => splitShellWords(bad), /cannot split/));
  }
});
