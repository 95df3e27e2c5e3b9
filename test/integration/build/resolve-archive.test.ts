import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { readAptSources, resolveDependencies, sourcesForSuite } from "../../../src/build/index.js";
import { ArchiveCache } from "../../../src/build/archive-cache.js";
import { hostDebianArchitecture, hostSuite } from "../../../src/build/debian-platform.js";
import { loadPackagesIndex } from "../../../src/build/package-sources.js";
import { BUILD_CACHE, requireMirror } from "./base-fixture.js";

// Resolution against the real archive (indexes only; no .deb is downloaded).
describe("dependency resolution against the machine's Debian archive", () => {
  it("nodejs resolves distroless; debian_slim pulls the required set and apt", async (t) => {
    if (!(await requireMirror(t))) return;
    const all = await readAptSources("/");
    const suite = hostSuite(all)!;
    const started = Date.now();
    const index = await loadPackagesIndex(sourcesForSuite(all, suite, ["main"]), hostDebianArchitecture(), new ArchiveCache(BUILD_CACHE));
    t.diagnostic(`indexes loaded in ${Date.now() - started} ms`);

    const node = resolveDependencies(index, ["nodejs"]).map((r) => r.name);
    assert.ok(node.includes("libc6") && node.some((n) => /^libnode\d+$/.test(n)), node.join(" "));
    assert.ok(!node.includes("dpkg") && !node.includes("bash"), node.join(" "));

    const required = index.newest((r) => r.priority === "required").map((r) => r.name);
    const slim = resolveDependencies(index, [...required, "apt"], { includeRequired: true }).map((r) => r.name);
    t.diagnostic(`debian_slim: ${slim.length} packages`);
    for (const n of ["apt", "dpkg", "bash", "coreutils", "base-files", "libc6", "perl-base", "debconf"]) assert.ok(slim.includes(n), `${n} in slim`);
    for (const n of ["systemd", "nodejs", "python3"]) assert.ok(!slim.includes(n), `${n} not in slim`);
  });
});
