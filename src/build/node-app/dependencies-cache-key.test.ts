import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { canonicalJson, dependenciesCacheKey, type DependenciesCacheInput } from "./dependencies-cache-key.js";

const base: DependenciesCacheInput = {
  manifest: { name: "a", version: "1.0.0", main: "a.js", scripts: { start: "node a.js" }, dependencies: { ms: "^2.1.3", "escape-html": "^1.0.3" } },
  lockfile: Buffer.from('{"lockfileVersion":3}'),
  baseDigest: `sha256:${"1".repeat(64)}`,
  toolchain: "modules 115 x64",
};
const key = dependenciesCacheKey(base);

describe("dependenciesCacheKey", () => {
  const same: [string, Partial<DependenciesCacheInput>][] = [
    ["name, version, main and start change", { manifest: { ...base.manifest, name: "b", version: "2.0.0", main: "b.js", scripts: { start: "node b.js", test: "x" } } }],
    ["dependencies reordered", { manifest: { ...base.manifest, dependencies: { "escape-html": "^1.0.3", ms: "^2.1.3" } } }],
    ["devDependencies change", { manifest: { ...base.manifest, devDependencies: { typescript: "^5" } } }],
  ];
  for (const [name, change] of same) it(`same key when ${name}`, () => assert.equal(dependenciesCacheKey({ ...base, ...change }), key));

  const differs: [string, Partial<DependenciesCacheInput>][] = [
    ["a dependency changes", { manifest: { ...base.manifest, dependencies: { ms: "^2.1.2" } } }],
    ["overrides are added", { manifest: { ...base.manifest, overrides: { ms: "2.1.2" } } }],
    ["a postinstall script is added", { manifest: { ...base.manifest, scripts: { start: "node a.js", postinstall: "node x" } } }],
    ["the lockfile changes by a byte", { lockfile: Buffer.from('{"lockfileVersion":2}') }],
    ["the base changes", { baseDigest: `sha256:${"2".repeat(64)}` }],
    ["the toolchain changes", { toolchain: "modules 108 x64" }],
  ];
  for (const [name, change] of differs) it(`another key when ${name}`, () => assert.notEqual(dependenciesCacheKey({ ...base, ...change }), key));

  it("is a sha256 in hex", () => assert.match(key, /^[a-f0-9]{64}$/));

  it("canonicalJson sorts keys at every depth and keeps array order", () => {
    assert.equal(canonicalJson({ b: [2, { d: 1, c: 2 }], a: null, u: undefined }), '{"a":null,"b":[2,{"c":2,"d":1}]}');
  });
});
