import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isBerthError } from "../../oci/index.js";
import { parseLabel, parseLabels } from "./volume-labels.js";
import { anonymousVolumeName, checkVolumeName, isValidVolumeName } from "./volume-name.js";

describe("volume names (docker's rule)", () => {
  const valid = ["ab", "data", "db_1", "a.b-c_d", "0x", "A1", "a".repeat(255), anonymousVolumeName()];
  const invalid = ["", "a", "_a", ".a", "-a", "a/b", "../x", "..", "a b", "a:b", "a\0b", "a\nb", "é1", "a".repeat(256)];
  for (const n of valid) it(`accepts ${JSON.stringify(n.slice(0, 20))}`, () => assert.equal(isValidVolumeName(n), true));
  for (const n of invalid) {
    it(`refuses ${JSON.stringify(n.slice(0, 20))}`, () => {
      assert.equal(isValidVolumeName(n), false);
      assert.throws(() => checkVolumeName(n), (e: unknown) => isBerthError(e, "INVALID_ARGUMENT") && /^volume name /.test(e.message));
    });
  }

  it("anonymous names are 64 hex digits, fresh each time", () => {
    const a = anonymousVolumeName();
    assert.match(a, /^[0-9a-f]{64}$/);
    assert.notEqual(a, anonymousVolumeName());
  });
});

describe("parseLabel", () => {
  const cases: readonly [string, [string, string] | RegExp][] = [
    ["a=b", ["a", "b"]],
    ["a=b=c", ["a", "b=c"]],
    ["a", ["a", ""]],
    ["a=", ["a", ""]],
    ["com.example.x=hello world", ["com.example.x", "hello world"]],
    ["=b", /the label key is empty/],
    ["a b=c", /holds a space or a control character/],
    ["a\tb", /holds a space or a control character/],
    ["a=b\0", /NUL byte/],
    [`a=${"x".repeat(70_000)}`, /longer than 64 KiB/],
  ];
  for (const [input, want] of cases) {
    it(JSON.stringify(input.slice(0, 30)), () => {
      if (want instanceof RegExp) assert.throws(() => parseLabel(input, "--label"), (e: unknown) => isBerthError(e, "INVALID_ARGUMENT") && /^--label /.test(e.message) && want.test(e.message));
      else assert.deepEqual(parseLabel(input, "--label"), want);
    });
  }

  it("a later key wins, and __proto__ is an own key", () => {
    const labels = parseLabels(["a=1", "b=2", "a=3", "__proto__=p"], "--label");
    assert.deepEqual(Object.entries(labels), [["a", "3"], ["b", "2"], ["__proto__", "p"]]);
    assert.equal(Object.getPrototypeOf(labels), Object.prototype);
  });
});
