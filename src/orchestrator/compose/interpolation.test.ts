import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { interpolate, InvalidTemplateError, RequiredVariableError } from "./interpolation.js";

const ENV: Record<string, string> = { FOO: "foo", EMPTY: "", BAR: "bar", PORT: "8080", lower_name: "low", _U: "u", N1: "n1" };
const lookup = (k: string): string | undefined => ENV[k];

interface Case {
  readonly name: string;
  readonly template: string;
  readonly want?: string;
  readonly missing?: readonly string[];
  readonly expectErr?: RegExp;
}

// compose-spec 12-interpolation.md and compose-go's template tests.
const CASES: readonly Case[] = [
  { name: "no variable", template: "plain text", want: "plain text" },
  { name: "$VAR", template: "$FOO", want: "foo" },
  { name: "${VAR}", template: "${FOO}", want: "foo" },
  { name: "$VAR inside text", template: "x-$FOO-y", want: "x-foo-y" },
  { name: "$VAR ends at a non-name character", template: "$FOO.bar", want: "foo.bar" },
  { name: "$VAR takes the longest name", template: "$FOOBAR", want: "", missing: ["FOOBAR"] },
  { name: "braces delimit the name", template: "${FOO}BAR", want: "fooBAR" },
  { name: "lower-case and underscore names", template: "$lower_name/${_U}", want: "low/u" },
  { name: "digits after the first character", template: "${N1}", want: "n1" },
  { name: "unset without default is empty", template: "a${NOPE}b", want: "ab", missing: ["NOPE"] },
  { name: "unset $VAR is empty", template: "a $NOPE b", want: "a  b", missing: ["NOPE"] },
  { name: ":- on unset", template: "${NOPE:-dflt}", want: "dflt" },
  { name: ":- on empty", template: "${EMPTY:-dflt}", want: "dflt" },
  { name: ":- on set", template: "${FOO:-dflt}", want: "foo" },
  { name: "- on unset", template: "${NOPE-dflt}", want: "dflt" },
  { name: "- on empty keeps empty", template: "${EMPTY-dflt}", want: "" },
  { name: "- on set", template: "${FOO-dflt}", want: "foo" },
  { name: "empty default", template: "${NOPE:-}", want: "" },
  { name: "default with spaces and colons", template: "${NOPE:-a b:c}", want: "a b:c" },
  { name: "nested default", template: "${NOPE:-${FOO}}", want: "foo" },
  { name: "nested default twice", template: "${NOPE:-${NADA:-deep}}", want: "deep" },
  { name: "nested $VAR in default", template: "${NOPE:-$BAR}", want: "bar" },
  { name: "nested default not evaluated when set", template: "${FOO:-${NOPE:?never}}", want: "foo" },
  { name: ":+ on set", template: "${FOO:+alt}", want: "alt" },
  { name: ":+ on empty", template: "${EMPTY:+alt}", want: "" },
  { name: ":+ on unset", template: "${NOPE:+alt}", want: "" },
  { name: "+ on empty", template: "${EMPTY+alt}", want: "alt" },
  { name: "+ on unset", template: "${NOPE+alt}", want: "" },
  { name: ":+ with nested value", template: "${FOO:+--port=${PORT}}", want: "--port=8080" },
  { name: ":? on set", template: "${FOO:?must}", want: "foo" },
  { name: "? on empty is fine", template: "${EMPTY?must}", want: "" },
  { name: "$$ escapes", template: "$$FOO", want: "$FOO" },
  { name: "$$ inside braces text", template: "cost: $$5 and ${FOO}", want: "cost: $5 and foo" },
  { name: "$$ then brace", template: "$${FOO}", want: "${FOO}" },
  { name: "lone $ at end", template: "price $", want: "price $" },
  { name: "$ before a digit stays", template: "$1 $2", want: "$1 $2" },
  { name: "$ before a space stays", template: "a $ b", want: "a $ b" },
  { name: "several variables", template: "${FOO}:${BAR}:$PORT", want: "foo:bar:8080" },
  { name: "closing brace in default ends it (as compose-go)", template: "${NOPE:-{x}}", want: "{x}" },
  { name: "multi-byte text around", template: "ü${FOO}ß", want: "üfooß" },
  { name: ":? on unset", template: "${NOPE:?set NOPE}", expectErr: /required variable NOPE is missing a value: set NOPE/ },
  { name: ":? on empty", template: "${EMPTY:?no empty}", expectErr: /required variable EMPTY is missing a value: no empty/ },
  { name: "? on unset", template: "${NOPE?gone}", expectErr: /required variable NOPE/ },
  { name: ":? message is interpolated", template: "${NOPE:?need $FOO}", expectErr: /need foo/ },
  { name: ":? without message", template: "${NOPE:?}", expectErr: /required variable NOPE is missing a value$/ },
  { name: "unterminated ${", template: "${FOO", expectErr: /never closed/ },
  { name: "unterminated nested", template: "${NOPE:-${FOO}", expectErr: /never closed/ },
  { name: "empty braces", template: "${}", expectErr: /does not start with a variable name/ },
  { name: "name starting with a digit", template: "${1FOO}", expectErr: /does not start with a variable name/ },
  { name: "shell substitution is not supported", template: "${FOO/o/0}", expectErr: /unsupported/ },
  { name: "length operator is not supported", template: "${#FOO}", expectErr: /does not start with a variable name/ },
];

describe("interpolate", () => {
  for (const c of CASES) {
    it(c.name, () => {
      if (c.expectErr !== undefined) {
        assert.throws(() => interpolate(c.template, lookup), (e: Error) => {
          assert.ok(e instanceof RequiredVariableError || e instanceof InvalidTemplateError, `${e.name}: ${e.message}`);
          assert.match(e.message, c.expectErr!);
          return true;
        });
        return;
      }
      const r = interpolate(c.template, lookup);
      assert.equal(r.value, c.want);
      assert.deepEqual(r.missing, c.missing ?? []);
    });
  }

  it("refuses defaults nested deeper than it can follow", () => {
    const deep = "${A:-".repeat(200) + "x" + "}".repeat(200);
    assert.throws(() => interpolate(deep, lookup), /nested more than/);
  });

  it("handles a long template in linear time", () => {
    const long = "${FOO}-".repeat(50_000);
    const started = Date.now();
    assert.equal(interpolate(long, lookup).value.length, 4 * 50_000);
    assert.ok(Date.now() - started < 2000);
  });
});
