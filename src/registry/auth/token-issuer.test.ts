import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import { decodeJwt, decodeProtectedHeader } from "jose";
import { isBerthError } from "../../oci/index.js";
import { loadOrCreateSigningKey, loadSigningKey, signingKeyFrom, type SigningKey } from "./signing-key.js";
import { TokenInvalidError, TokenIssuer, type TokenIssuerOptions } from "./token-issuer.js";

const ec = async (curve = "P-256"): Promise<SigningKey> =>
  signingKeyFrom(generateKeyPairSync("ec", { namedCurve: curve }).privateKey, "test");

const OPTS: TokenIssuerOptions = { issuer: "berth", service: "berth-registry", expiration: 300 };
const ACCESS = [{ type: "repository", name: "team-a/app", actions: ["pull", "push"] }] as const;

const rejectsWith = async (p: Promise<unknown>, reason: "expired" | "invalid", message: RegExp): Promise<void> => {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof TokenInvalidError, String(e));
    assert.ok(isBerthError(e, "UNAUTHENTICATED"));
    assert.equal(e.reason, reason);
    assert.match(e.message, message);
    return true;
  });
};

describe("TokenIssuer", () => {
  it("issues a token in Docker's JWT form and verifies it", async () => {
    const key = await ec();
    const now = new Date("2030-01-02T03:04:05.678Z");
    const issuer = new TokenIssuer(key, { ...OPTS, now: () => now });
    const issued = await issuer.issue("alice", ACCESS);
    assert.equal(issued.expiresIn, 300);
    assert.equal(issued.issuedAt.toISOString(), "2030-01-02T03:04:05.000Z");

    const header = decodeProtectedHeader(issued.token);
    assert.deepEqual(header, { alg: "ES256", kid: key.kid, typ: "JWT" });
    const claims = decodeJwt(issued.token);
    const iat = Math.floor(now.getTime() / 1000);
    assert.equal(claims.iss, "berth");
    assert.equal(claims.sub, "alice");
    assert.equal(claims.aud, "berth-registry");
    assert.equal(claims.iat, iat);
    assert.equal(claims.nbf, iat);
    assert.equal(claims.exp, iat + 300);
    assert.match(String(claims.jti), /^[A-Za-z0-9_-]{22}$/);
    assert.deepEqual(claims["access"], ACCESS);

    const verified = await issuer.verify(issued.token);
    assert.deepEqual(verified, { subject: "alice", access: ACCESS, expiresAt: new Date((iat + 300) * 1000) });
    assert.notEqual(decodeJwt((await issuer.issue("alice", ACCESS)).token).jti, claims.jti);
  });

  it("keeps an anonymous subject empty", async () => {
    const issuer = new TokenIssuer(await ec(), OPTS);
    assert.equal((await issuer.verify((await issuer.issue("", [])).token)).subject, "");
  });

  it("refuses an expired token, with the leeway distribution allows", async () => {
    const key = await ec();
    let now = new Date("2030-01-01T00:00:00Z");
    const issuer = new TokenIssuer(key, { ...OPTS, now: () => now });
    const { token } = await issuer.issue("alice", ACCESS);
    now = new Date(now.getTime() + 330_000);
    await issuer.verify(token);
    now = new Date(now.getTime() + 31_000);
    await rejectsWith(issuer.verify(token), "expired", /token has expired/);
  });

  it("refuses a token signed by another key", async () => {
    const token = (await new TokenIssuer(await ec(), OPTS).issue("alice", ACCESS)).token;
    await rejectsWith(new TokenIssuer(await ec(), OPTS).verify(token), "invalid", /signature does not verify/);
  });

  it("refuses another audience or issuer", async () => {
    const key = await ec();
    const token = (await new TokenIssuer(key, { ...OPTS, service: "other-registry" }).issue("alice", ACCESS)).token;
    await rejectsWith(new TokenIssuer(key, OPTS).verify(token), "invalid", /claim "aud"/);
    const token2 = (await new TokenIssuer(key, { ...OPTS, issuer: "evil" }).issue("alice", ACCESS)).token;
    await rejectsWith(new TokenIssuer(key, OPTS).verify(token2), "invalid", /claim "iss"/);
  });

  it("refuses garbage and tampered tokens", async () => {
    const issuer = new TokenIssuer(await ec(), OPTS);
    await rejectsWith(issuer.verify("not.a.jwt"), "invalid", /malformed/);
    const { token } = await issuer.issue("alice", ACCESS);
    const [h, , s] = token.split(".");
    const forged = Buffer.from(JSON.stringify({ ...decodeJwt(token), access: [{ type: "repository", name: "team-a/app", actions: ["*"] }] })).toString("base64url");
    await rejectsWith(issuer.verify(`${h}.${forged}.${s}`), "invalid", /signature/);
  });

  it("keeps refresh and access tokens apart", async () => {
    const issuer = new TokenIssuer(await ec(), OPTS);
    const refresh = await issuer.issueRefreshToken("alice", "v1");
    assert.deepEqual(await issuer.verifyRefreshToken(refresh), { subject: "alice", passwordVersion: "v1" });
    await rejectsWith(issuer.verify(refresh), "invalid", /typ/);
    await rejectsWith(issuer.verifyRefreshToken((await issuer.issue("alice", ACCESS)).token), "invalid", /typ/);
  });

  it("signs with P-384 and RSA keys too", async () => {
    const p384 = await ec("P-384");
    assert.equal(p384.alg, "ES384");
    const rsa = await signingKeyFrom(generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey, "test");
    assert.equal(rsa.alg, "RS256");
    for (const key of [p384, rsa]) {
      const issuer = new TokenIssuer(key, OPTS);
      assert.equal((await issuer.verify((await issuer.issue("bob", ACCESS)).token)).subject, "bob");
    }
  });
});

describe("signing keys", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "berth-key-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("generates an EC P-256 key once, mode 0600, and loads it after", async () => {
    const path = join(dir, "sub", "token-key.pem");
    const first = await loadOrCreateSigningKey(path);
    assert.equal(first.alg, "ES256");
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    assert.match(await readFile(path, "utf8"), /^-----BEGIN PRIVATE KEY-----\n/);
    assert.deepEqual(await readdir(join(dir, "sub")), ["token-key.pem"]);
    const again = await loadOrCreateSigningKey(path);
    assert.equal(again.kid, first.kid);
  });

  it("agrees on one key when two starts race", async () => {
    const path = join(dir, "token-key.pem");
    const keys = await Promise.all([1, 2, 3, 4].map(() => loadOrCreateSigningKey(path)));
    assert.equal(new Set(keys.map((k) => k.kid)).size, 1);
    const onDisk = await loadSigningKey(path);
    assert.equal(onDisk.kid, keys[0]!.kid);
  });

  it("loads SEC1 PEM, refuses Ed25519 and non-keys, names a missing file", async () => {
    const sec1 = join(dir, "sec1.pem");
    await writeFile(sec1, generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ type: "sec1", format: "pem" }));
    assert.equal((await loadSigningKey(sec1)).alg, "ES256");

    const ed = join(dir, "ed.pem");
    await writeFile(ed, generateKeyPairSync("ed25519").privateKey.export({ type: "pkcs8", format: "pem" }));
    await assert.rejects(loadSigningKey(ed), /token signing key .*ed\.pem: key type "ed25519" cannot sign registry tokens/);

    const junk = join(dir, "junk.pem");
    await writeFile(junk, "hello");
    await assert.rejects(loadSigningKey(junk), /junk\.pem: not an unencrypted PEM private key/);

    await assert.rejects(loadSigningKey(join(dir, "nope.pem")), (e: unknown) => isBerthError(e, "NOT_FOUND"));
  });
});
