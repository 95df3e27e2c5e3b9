import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_KEYRING, parseReleaseFile, verifyInRelease } from "./release-file.js";

const SHA_A = "a".repeat(64);
const RELEASE = `Origin: Debian
Suite: oldstable
Codename: bookworm
Date: Sat, 11 Jul 2026 10:16:37 UTC
Acquire-By-Hash: yes
MD5Sum:
 0ed6d4c8891eb86358b94bb35d9e4da4  1484322 contrib/Contents-all
SHA256:
 ${SHA_A}  8790396 main/binary-amd64/Packages.xz
 ${"b".repeat(64)} 50060337 main/binary-amd64/Packages
`;

describe("parseReleaseFile", () => {
  it("reads the SHA256 list and the fields berth uses", () => {
    const r = parseReleaseFile(RELEASE, "InRelease");
    assert.equal(r.codename, "bookworm");
    assert.equal(r.isAcquireByHash, true);
    assert.deepEqual(r.sha256.get("main/binary-amd64/Packages.xz"), { sha256: SHA_A, size: 8790396 });
    assert.equal(r.sha256.size, 2);
  });
  const bad: { name: string; text: string; expectErr: RegExp }[] = [
    { name: "no SHA256 field", text: "Suite: x\nMD5Sum:\n 00 1 a\n", expectErr: /http:\/\/m\.example\/InRelease: no SHA256 field/ },
    { name: "malformed SHA256 line", text: "Suite: x\nSHA256:\n nothex 12 main/Packages\n", expectErr: /bad SHA256 line "nothex 12 main\/Packages"/ },
    { name: "empty", text: "\n\n", expectErr: /empty Release file/ },
  ];
  for (const c of bad) it(`rejects ${c.name}`, () => assert.throws(() => parseReleaseFile(c.text, "http://m.example/InRelease"), c.expectErr));
});

describe("verifyInRelease", () => {
  const withFile = async (text: string, fn: (path: string) => Promise<void>): Promise<void> => {
    const dir = await mkdtemp(join(tmpdir(), "berth-rel-"));
    try {
      await writeFile(join(dir, "InRelease"), text);
      await fn(join(dir, "InRelease"));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  };

  it("rejects a file with a forged signature block, naming InRelease", async (t) => {
    const forged = `-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\n${RELEASE}-----BEGIN PGP SIGNATURE-----\n\niQIzBAEBCgAdFiEEforgedforgedforgedforgedforgedAAoJEforged=\n=abcd\n-----END PGP SIGNATURE-----\n`;
    await withFile(forged, async (p) => {
      const err = await verifyInRelease(p, DEFAULT_KEYRING, "http://m.example/debian/dists/bookworm/InRelease").then(() => undefined, (e: unknown) => e);
      assert.ok(err instanceof Error);
      assert.match(err.message, /^http:\/\/m\.example\/debian\/dists\/bookworm\/InRelease: OpenPGP signature not valid/);
      t.diagnostic(err.message);
    });
  });

  it("rejects an unsigned file", async () => {
    await withFile(RELEASE, async (p) => {
      await assert.rejects(verifyInRelease(p, DEFAULT_KEYRING, "InRelease"), /InRelease: OpenPGP signature not valid/);
    });
  });

  it("rejects when the keyring does not exist", async () => {
    await withFile(RELEASE, async (p) => {
      await assert.rejects(verifyInRelease(p, "/nonexistent/keyring.gpg", "InRelease"), /InRelease: OpenPGP signature not valid/);
    });
  });
});
