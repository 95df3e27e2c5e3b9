import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ImageStore } from "../../image/index.js";
import { dependenciesLayer } from "./dependencies-layer.js";
import { MissingLockfileError } from "./errors.js";
import { parsePackageManifest } from "./package-manifest.js";

// The paths that decide before npm runs; npm itself is exercised in test/integration/build/node-app.
describe("dependenciesLayer without npm", () => {
  let dir = "";
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "berth-deps-"));
  });
  after(() => rm(dir, { recursive: true, force: true }));
  const opts = () => ({ cacheDir: join(dir, "cache"), baseDigest: `sha256:${"0".repeat(64)}`, epoch: 0 });

  it("dependencies without a lockfile are refused with the fix", async () => {
    const m = parsePackageManifest(JSON.stringify({ dependencies: { ms: "^2" } }), "package.json");
    await assert.rejects(dependenciesLayer(new ImageStore(join(dir, "root")), dir, m, opts()), (e: unknown) =>
      e instanceof MissingLockfileError && /no package-lock\.json or npm-shrinkwrap\.json/.test(e.message) && /npm install --package-lock-only/.test(e.hint ?? ""));
  });

  it("no dependencies and no lockfile: no layer, npm not run", async () => {
    await writeFile(join(dir, "package.json"), JSON.stringify({ devDependencies: { typescript: "^5" } }));
    const m = parsePackageManifest(JSON.stringify({ devDependencies: { typescript: "^5" } }), "package.json");
    assert.equal(await dependenciesLayer(new ImageStore(join(dir, "root")), dir, m, { ...opts(), env: { PATH: "/nonexistent" } }), undefined);
  });
});
