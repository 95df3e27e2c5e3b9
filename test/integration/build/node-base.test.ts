import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { buildBase } from "../../../src/build/index.js";
import { ImageStore } from "../../../src/image/index.js";
import { BERTH_BIN } from "../../support/berth-server.js";
import { describeResult, run } from "../../support/run.js";
import { tempDir } from "../../support/temp-dir.js";
import { containersUnsupported } from "../runtime/runtime-fixture.js";
import { BUILD_CACHE, imageFiles, requireMirror } from "./base-fixture.js";

// The real goal of distroless bases: Debian's nodejs with its shared
// libraries, nothing else (no shell, no apt). ~45 MB of .debs, cached.
describe("berth base build: a nodejs base", () => {
  it("resolves nodejs with libnode and its libraries, and node runs in the container", async (t) => {
    if (!(await requireMirror(t))) return;
    const tmp = await tempDir("berth-node-");
    try {
      const spec = join(tmp.path, "node.yaml");
      await writeFile(spec, "packages: [nodejs, ca-certificates, tzdata]\nentrypoint: [/usr/bin/node]\nenv: { NODE_ENV: production }\n");
      const store = new ImageStore(join(tmp.path, "root"));
      const started = Date.now();
      const built = await buildBase(store, spec, { reference: "localhost/test/node:18", cacheDir: BUILD_CACHE });
      const size = built.layers.reduce((n, l) => n + l.descriptor.size, 0);
      const raw = built.layers.reduce((n, l) => n + l.uncompressedSize, 0);
      t.diagnostic(`${built.packages.length} packages in ${Date.now() - started} ms: ${(size / 1e6).toFixed(1)} MB compressed, ${(raw / 1e6).toFixed(1)} MB unpacked`);
      const names = built.packages.map((p) => p.name);
      for (const n of ["nodejs", "libc6", "libstdc++6", "libssl3", "zlib1g", "libicu72", "libuv1"]) assert.ok(names.includes(n), `${n} in ${names.join(" ")}`);
      assert.ok(names.some((n) => /^libnode\d+$/.test(n)), "libnodeNN");
      for (const n of ["bash", "dash", "coreutils", "dpkg", "apt", "perl-base", "debconf"]) assert.ok(!names.includes(n), `${n} left out`);
      const files = await imageFiles(store, built.descriptor);
      assert.equal(files.get("usr/bin/node")?.type ?? "", "file");
      assert.equal(files.get("bin/sh"), undefined, "no shell");

      const why = await containersUnsupported();
      if (why) return t.skip(`built; running it ${why}`);
      const r = await run(process.execPath, [BERTH_BIN, "--root", join(tmp.path, "root"), "run", "--rm", "--network", "none", "localhost/test/node:18", "-e", "console.log(1, process.getuid(), require('tls').rootCertificates.length > 100)"], { timeoutMs: 60_000 });
      assert.equal(r.code, 0, describeResult(r));
      assert.equal(r.stdout, "1 65532 true\n");
    } finally {
      await tmp.remove();
    }
  });
});
