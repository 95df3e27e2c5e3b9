import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isBerthError } from "../../oci/index.js";
import { parsePackageManifest } from "./package-manifest.js";

describe("parsePackageManifest", () => {
  it("normalises bin and repository, detects dependencies", () => {
    const m = parsePackageManifest(JSON.stringify({ name: "@scope/tool", bin: "cli.js", repository: { type: "git", url: "https://example.invalid/x.git" }, dependencies: { ms: "1" } }), "p");
    assert.deepEqual(m.bin, { tool: "cli.js" });
    assert.equal(m.repository, "https://example.invalid/x.git");
    assert.equal(m.hasDependencies, true);
    assert.equal(parsePackageManifest("{}", "p").hasDependencies, false);
    assert.equal(parsePackageManifest(JSON.stringify({ devDependencies: { a: "1" } }), "p").hasDependencies, false);
  });

  for (const [name, text, re] of [
    ["not JSON", "{", /^p: not valid JSON/],
    ["bin of the wrong type", JSON.stringify({ bin: { x: 1 } }), /^p: bin: /],
    ["an array", "[]", /^p: \(top\): /],
    ["over 1 MiB", `{"x":"${"a".repeat(1024 * 1024)}"}`, /over 1 MiB is refused/],
  ] as const) {
    it(`refuses ${name}`, () => {
      assert.throws(() => parsePackageManifest(text, "p"), (e: unknown) => isBerthError(e, "INVALID_ARGUMENT") && re.test((e as Error).message));
    });
  }
});
