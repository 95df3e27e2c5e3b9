import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { parseBaseSpec } from "./base-spec.js";
import { lockMatches, type BaseLock } from "./base-lock.js";
import { baseMetadata } from "./base-metadata.js";
import { RootfsTree } from "./rootfs-tree.js";

describe("parseBaseSpec", () => {
  it("fills defaults: components main, user nonroot 65532, no slim", () => {
    const s = parseBaseSpec("packages: [nodejs]\n", "s.yaml");
    assert.deepEqual(s.components, ["main"]);
    assert.deepEqual(s.user, { name: "nonroot", uid: 65532, gid: 65532, home: "/home/nonroot" });
    assert.equal(s.debianSlim, false);
    assert.equal(s.suite, undefined);
  });

  it("reads every field", () => {
    const s = parseBaseSpec(`suite: bookworm
components: [main, contrib]
packages: [nodejs, ca-certificates]
exclude: [openssl]
user: root
entrypoint: [/usr/bin/node]
cmd: "echo hi"
env: { NODE_ENV: production, PORT: 8080 }
labels: { a: b }
workdir: /app
architecture: arm64
mirror: http://mirror.example/debian
`, "s.yaml");
    assert.equal(s.user.uid, 0);
    assert.deepEqual(s.cmd, ["/bin/sh", "-c", "echo hi"]);
    assert.deepEqual(s.env, { NODE_ENV: "production", PORT: "8080" });
    assert.equal(s.architecture, "arm64");
    assert.equal(s.mirror, "http://mirror.example/debian");
  });

  it("include_essential and debian_slim both mean a slim base, packages optional", () => {
    assert.equal(parseBaseSpec("debian_slim: true\n", "s").debianSlim, true);
    assert.equal(parseBaseSpec("include_essential: true\n", "s").debianSlim, true);
  });

  it("takes a custom user", () => {
    assert.deepEqual(parseBaseSpec("packages: [x1]\nuser: { name: app, uid: 1000, gid: 1000 }\n", "s").user, { name: "app", uid: 1000, gid: 1000, home: "/home/app" });
  });

  const bad: { name: string; text: string; expectErr: RegExp }[] = [
    { name: "not YAML", text: "packages: [a\n", expectErr: /s\.yaml: not valid YAML/ },
    { name: "empty", text: "", expectErr: /s\.yaml: packages: list at least one package/ },
    { name: "bad package name", text: "packages: [ok1, 'Bad Name']\n", expectErr: /s\.yaml: packages\.1: a Debian package name/ },
    { name: "unknown field", text: "packages: [a1]\npackage: [b]\n", expectErr: /s\.yaml: .*package/ },
    { name: "relative workdir", text: "packages: [a1]\nworkdir: app\n", expectErr: /s\.yaml: workdir:/ },
    { name: "mirror not http", text: "packages: [a1]\nmirror: ftp://x.example/debian\n", expectErr: /s\.yaml: mirror:/ },
    { name: "negative uid", text: "packages: [a1]\nuser: { name: a, uid: -1, gid: 0 }\n", expectErr: /s\.yaml: user/ },
  ];
  for (const c of bad) it(`rejects ${c.name} naming the field`, () => assert.throws(() => parseBaseSpec(c.text, "s.yaml"), c.expectErr));
});

describe("lockMatches", () => {
  const request = { suite: "bookworm", architecture: "amd64", components: ["main"], packages: ["b", "a"], exclude: [], debianSlim: false };
  const lock: BaseLock = { lockVersion: 1, request, sourceDateEpoch: 0, packages: [] };
  it("ignores order", () => assert.equal(lockMatches(lock, { ...request, packages: ["a", "b"] }), true));
  it("sees a new package", () => assert.equal(lockMatches(lock, { ...request, packages: ["a", "b", "c"] }), false));
  it("sees another architecture", () => assert.equal(lockMatches(lock, { ...request, architecture: "arm64" }), false));
});

describe("baseMetadata", () => {
  it("writes status.d, users, nsswitch and the CA bundle in path order", () => {
    const pkgs = new RootfsTree();
    pkgs.add({ path: "./usr/share/ca-certificates/mozilla/B.crt", type: "file", mode: 0o644, data: Buffer.from("B") }, "ca.deb");
    pkgs.add({ path: "./usr/share/ca-certificates/mozilla/A.crt", type: "file", mode: 0o644, data: Buffer.from("A\n") }, "ca.deb");
    pkgs.add({ path: "./usr/share/ca-certificates/mozilla/README", type: "file", mode: 0o644, data: Buffer.from("no") }, "ca.deb");
    const t = baseMetadata([{ name: "ca-certificates", control: "Package: ca-certificates", md5sums: "x" }], { name: "nonroot", uid: 65532, gid: 65532, home: "/home/nonroot" }, pkgs);
    assert.equal(t.get("etc/ssl/certs/ca-certificates.crt")?.data?.toString(), "A\nB\n");
    assert.equal(t.get("var/lib/dpkg/status.d/ca-certificates")?.data?.toString(), "Package: ca-certificates\n");
    assert.equal(t.get("var/lib/dpkg/status.d/ca-certificates.md5sums")?.data?.toString(), "x");
    assert.match(t.get("etc/passwd")!.data!.toString(), /^nonroot:x:65532:65532:nonroot:\/home\/nonroot:\/sbin\/nologin$/m);
    assert.match(t.get("etc/group")!.data!.toString(), /^nonroot:x:65532:$/m);
    assert.match(t.get("etc/nsswitch.conf")!.data!.toString(), /^hosts: +files dns$/m);
    assert.deepEqual([t.get("home/nonroot")?.mode, t.get("home/nonroot")?.uid, t.get("tmp")?.mode], [0o700, 65532, 0o1777]);
  });

  it("writes /var/lib/dpkg/status for a slim base", () => {
    const t = baseMetadata([{ name: "b", control: "Package: b\nVersion: 1\n" }, { name: "a", control: "Package: a\nVersion: 2" }], { name: "root", uid: 0, gid: 0, home: "/root" }, new RootfsTree(), true);
    assert.equal(t.get("var/lib/dpkg/status")?.data?.toString(), "Package: a\nStatus: install ok installed\nVersion: 2\n\nPackage: b\nStatus: install ok installed\nVersion: 1\n");
  });

  it("writes no bundle without certificates", () => {
    assert.equal(baseMetadata([], { name: "root", uid: 0, gid: 0, home: "/root" }, new RootfsTree()).get("etc/ssl/certs/ca-certificates.crt"), undefined);
  });
});
