import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { SignatureError } from "../../../src/build/index.js";
import { ArchiveCache } from "../../../src/build/archive-cache.js";
import { DEFAULT_KEYRING, parseReleaseFile, verifyInRelease } from "../../../src/build/release-file.js";
import { requireTools } from "../../support/require-root.js";
import { describeResult, run } from "../../support/run.js";
import { tempDir } from "../../support/temp-dir.js";
import { requireMirror } from "./base-fixture.js";

describe("InRelease signatures (gpgv, as apt checks them)", () => {
  it("the mirror's InRelease verifies with the archive keyring; one changed byte does not", async (t) => {
    if (!requireTools(t, ["gpgv"])) return;
    const src = await requireMirror(t);
    if (!src) return;
    const tmp = await tempDir("berth-sig-");
    try {
      const url = `${src.uri.replace(/\/+$/, "")}/dists/${src.suite}/InRelease`;
      const got = await new ArchiveCache(join(tmp.path, "cache")).fetchLatest(url);
      const text = await verifyInRelease(got.path, src.signedBy ?? DEFAULT_KEYRING, url);
      assert.ok(parseReleaseFile(text, url).sha256.size > 10);

      const original = await readFile(got.path, "utf8");
      // One changed byte in the signed text: a suite name an attacker would like to swap.
      const tampered = original.replace(/^Suite: ./m, (m) => `${m.slice(0, -1)}${m.endsWith("x") ? "y" : "x"}`);
      assert.ok(tampered !== original && tampered.length === original.length, "one byte changed");
      const bad = join(tmp.path, "InRelease");
      await writeFile(bad, tampered);
      const err = await verifyInRelease(bad, src.signedBy ?? DEFAULT_KEYRING, url).catch((e: unknown) => e);
      assert.ok(err instanceof SignatureError, String(err));
      assert.ok(err.message.startsWith(`${url}: OpenPGP signature not valid`), err.message);
      t.diagnostic(err.message);
    } finally {
      await tmp.remove();
    }
  });

  it("Signed-By is honoured: a file signed by another key fails against the Debian keyring and passes with its own", async (t) => {
    if (!requireTools(t, ["gpg", "gpgv", "gpgconf"])) return;
    const tmp = await tempDir("berth-gpg-");
    const env = { ...process.env, GNUPGHOME: join(tmp.path, "gnupg") };
    try {
      await run("mkdir", ["-m", "700", env.GNUPGHOME]);
      const gen = await run("gpg", ["--batch", "--passphrase", "", "--quick-gen-key", "berth test <test@example.invalid>", "ed25519", "sign", "never"], { env, timeoutMs: 60_000 });
      assert.equal(gen.code, 0, describeResult(gen));
      await writeFile(join(tmp.path, "Release"), `Suite: test\nSHA256:\n ${"a".repeat(64)} 1 main/binary-amd64/Packages\n`);
      const sign = await run("gpg", ["--batch", "--clearsign", "--output", join(tmp.path, "InRelease"), join(tmp.path, "Release")], { env, timeoutMs: 60_000 });
      assert.equal(sign.code, 0, describeResult(sign));
      const exp = await run("gpg", ["--batch", "--export", "--output", join(tmp.path, "test-keyring.gpg")], { env, timeoutMs: 30_000 });
      assert.equal(exp.code, 0, describeResult(exp));

      const text = await verifyInRelease(join(tmp.path, "InRelease"), join(tmp.path, "test-keyring.gpg"), "InRelease");
      assert.equal(parseReleaseFile(text, "InRelease").sha256.get("main/binary-amd64/Packages")?.size, 1);
      await assert.rejects(verifyInRelease(join(tmp.path, "InRelease"), DEFAULT_KEYRING, "http://m.example/InRelease"), /^SignatureError: http:\/\/m\.example\/InRelease: OpenPGP signature not valid/);
    } finally {
      await run("gpgconf", ["--kill", "all"], { env, timeoutMs: 10_000 }).catch(() => undefined);
      await tmp.remove();
    }
  });
});
