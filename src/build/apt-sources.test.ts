import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseDeb822Sources, parseOneLineSources, readAptSources, sourcesForSuite } from "./apt-sources.js";

// Mirror names here are reserved test names (RFC 2606), never a real mirror.
const DEB822 = `Types: deb deb-src
# a comment
URIs: http://mirror.example/debian https://other.example/debian
Suites: bookworm bookworm-updates
Components: main contrib
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://mirror.example/debian-security
Suites: bookworm-security
Components: main
Signed-By:
 -----BEGIN PGP PUBLIC KEY BLOCK-----
 .
 -----END PGP PUBLIC KEY BLOCK-----

Types: deb
Enabled: no
URIs: http://disabled.example/debian
Suites: bookworm
Components: main
`;

describe("apt sources", () => {
  it("parses deb822 entries, one per URI and suite; disabled ones and inline keys left out", () => {
    const s = parseDeb822Sources(DEB822, "debian.sources");
    assert.equal(s.length, 5);
    assert.deepEqual(s[0], { uri: "http://mirror.example/debian", suite: "bookworm", components: ["main", "contrib"], signedBy: "/usr/share/keyrings/debian-archive-keyring.gpg" });
    assert.deepEqual(s[4], { uri: "http://mirror.example/debian-security", suite: "bookworm-security", components: ["main"] });
  });

  it("parses one-line entries with options, skipping deb-src and comments", () => {
    const text = "# c\ndeb-src http://m.example/debian bookworm main\ndeb [arch=amd64 signed-by=/k.gpg] http://m.example/debian bookworm main non-free # tail\n\ndeb http://m.example/debian-security bookworm-security main\n";
    assert.deepEqual(parseOneLineSources(text, "sources.list"), [
      { uri: "http://m.example/debian", suite: "bookworm", components: ["main", "non-free"], signedBy: "/k.gpg" },
      { uri: "http://m.example/debian-security", suite: "bookworm-security", components: ["main"] },
    ]);
  });

  it("rejects a malformed one-line entry naming file and line", () => {
    assert.throws(() => parseOneLineSources("\ndeb http://only-uri\n", "x.list"), /x\.list:2: expected/);
  });

  it("rejects a malformed deb822 file naming file and line", () => {
    assert.throws(() => parseDeb822Sources("Types: deb\nnot a field\n", "y.sources"), /y\.sources:2: expected "Field: value"/);
  });

  it("selects the suite and its update suites with the asked components", () => {
    const all = parseDeb822Sources(DEB822, "d");
    const picked = sourcesForSuite(all, "bookworm", ["main"]);
    assert.deepEqual(picked.map((s) => `${s.uri} ${s.suite} ${s.components.join(",")}`), [
      "http://mirror.example/debian bookworm main",
      "http://mirror.example/debian bookworm-updates main",
      "https://other.example/debian bookworm main",
      "https://other.example/debian bookworm-updates main",
      "http://mirror.example/debian-security bookworm-security main",
    ]);
    assert.deepEqual(sourcesForSuite(all, "trixie", ["main"]), []);
  });

  it("reads a machine's sources.list and sources.list.d in order", async () => {
    const root = await mkdtemp(join(tmpdir(), "berth-apt-"));
    try {
      await mkdir(join(root, "etc/apt/sources.list.d"), { recursive: true });
      await writeFile(join(root, "etc/apt/sources.list"), "deb http://a.example/debian bookworm main\n");
      await writeFile(join(root, "etc/apt/sources.list.d/b.sources"), "Types: deb\nURIs: http://b.example/debian\nSuites: bookworm\nComponents: main\n");
      await writeFile(join(root, "etc/apt/sources.list.d/c.list.disabled"), "deb http://c.example/debian bookworm main\n");
      assert.deepEqual((await readAptSources(root)).map((s) => s.uri), ["http://a.example/debian", "http://b.example/debian"]);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
