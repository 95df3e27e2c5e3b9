import assert from "node:assert/strict";
import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import bcrypt from "bcryptjs";
import { parseAuthConfig } from "./auth-config.js";
import { createAuthorizer, type AccessScope } from "./authorizer.js";
import { loadSigningKey } from "./signing-key.js";
import { TokenIssuer } from "./token-issuer.js";

let dir: string;
let htpasswd: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "berth-authz-"));
  htpasswd = join(dir, "htpasswd");
  await writeFile(htpasswd, `alice:${bcrypt.hashSync("alice-pw", 4)}\ncarol:${bcrypt.hashSync("carol-pw", 4)}\n`);
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const basic = (user: string, password: string): string => `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
const repo = (name: string, ...actions: string[]): AccessScope => ({ type: "repository", name, actions });
const RULES = [{ repository: "team-a/*", users: ["alice"], actions: ["pull", "push"] }];
const BASE = (): string => "http://127.0.0.1:5000/";

describe("createAuthorizer without auth", () => {
  it("allows everything anonymously", async () => {
    const authz = await createAuthorizer(undefined, { root: dir, baseUrl: BASE });
    assert.deepEqual(await authz.authorize(undefined, [repo("x", "push", "delete")]), { allowed: true });
    assert.equal(authz.tokenHandler, undefined);
  });
});

describe("createAuthorizer with htpasswd (Basic)", () => {
  const make = (anonymous: "none" | "pull" = "none") =>
    createAuthorizer(parseAuthConfig({ htpasswd, anonymous, access: RULES }), { root: dir, baseUrl: BASE });
  const CHALLENGE = 'Basic realm="berth-registry"';

  it("challenges an anonymous /v2/ and lets valid credentials in", async () => {
    const authz = await make("pull");
    assert.equal(authz.tokenHandler, undefined);
    assert.deepEqual(await authz.authorize(undefined, []), {
      allowed: false, status: 401, challenge: CHALLENGE, code: "UNAUTHORIZED", message: "authentication required",
    });
    assert.deepEqual(await authz.authorize(basic("alice", "alice-pw"), []), { allowed: true, account: "alice" });
  });

  it("refuses bad or foreign credentials with 401", async () => {
    const authz = await make();
    for (const header of [basic("alice", "nope"), basic("mallory", "alice-pw"), "Basic !!", "Bearer abc"]) {
      const d = await authz.authorize(header, [repo("x", "pull")]);
      assert.equal(d.allowed, false, header);
      if (!d.allowed) {
        assert.equal(d.status, 401);
        assert.equal(d.challenge, CHALLENGE);
        assert.equal(d.code, "UNAUTHORIZED");
      }
    }
  });

  it("applies the rules: allowed, 403 for a signed-in user, 401 for anonymous", async () => {
    const authz = await make("pull");
    assert.deepEqual(await authz.authorize(basic("alice", "alice-pw"), [repo("team-a/app", "pull", "push")]), { allowed: true, account: "alice" });
    const denied = await authz.authorize(basic("carol", "carol-pw"), [repo("team-a/app", "push")]);
    assert.deepEqual(denied, { allowed: false, status: 403, code: "DENIED", message: 'user "carol" may not push on repository "team-a/app"' });
    assert.deepEqual(await authz.authorize(basic("carol", "carol-pw"), [repo("other", "delete")]), { allowed: true, account: "carol" });
    assert.deepEqual(await authz.authorize(undefined, [repo("other", "pull")]), { allowed: true });
    const push = await authz.authorize(undefined, [repo("other", "pull", "push")]);
    assert.equal(push.allowed === false && push.status, 401);
  });

  it("keeps anonymous users out with anonymous: none", async () => {
    const authz = await make("none");
    const d = await authz.authorize(undefined, [repo("other", "pull")]);
    assert.equal(d.allowed === false && d.status, 401);
  });
});

describe("createAuthorizer with token (Bearer)", () => {
  const make = (token: Record<string, unknown> = {}) =>
    createAuthorizer(parseAuthConfig({ htpasswd, token, access: RULES }), { root: dir, baseUrl: BASE });
  const issuerFor = async (now?: () => Date): Promise<TokenIssuer> =>
    new TokenIssuer(await loadSigningKey(join(dir, "token-key.pem")), { issuer: "berth", service: "berth-registry", expiration: 300, ...(now && { now }) });
  const REALM = 'Bearer realm="http://127.0.0.1:5000/token",service="berth-registry"';

  it("generates its key under root and challenges with realm and service", async () => {
    const authz = await make();
    assert.equal((await stat(join(dir, "token-key.pem"))).mode & 0o777, 0o600);
    assert.equal(authz.tokenPath, "/token");
    assert.ok(authz.tokenHandler);
    const bare = await authz.authorize(undefined, []);
    assert.deepEqual(bare, { allowed: false, status: 401, challenge: REALM, code: "UNAUTHORIZED", message: "authentication required" });
    const scoped = await authz.authorize(basic("alice", "alice-pw"), [repo("team-a/app", "pull", "push")]);
    assert.equal(scoped.allowed === false && scoped.challenge, `${REALM},scope="repository:team-a/app:pull,push"`);
  });

  it("takes a configured realm as is and serves the token endpoint at its path", async () => {
    const authz = await make({ realm: "https://auth.example/v2/token" });
    assert.equal(authz.tokenPath, "/v2/token");
    const d = await authz.authorize(undefined, []);
    assert.equal(d.allowed === false && d.challenge, 'Bearer realm="https://auth.example/v2/token",service="berth-registry"');
  });

  it("lets a valid token in for the scopes it holds", async () => {
    const authz = await make();
    const { token } = await (await issuerFor()).issue("alice", [repo("team-a/app", "pull", "push"), repo("admin/x", "*")]);
    assert.deepEqual(await authz.authorize(`Bearer ${token}`, []), { allowed: true, account: "alice" });
    assert.deepEqual(await authz.authorize(`Bearer ${token}`, [repo("team-a/app", "push")]), { allowed: true, account: "alice" });
    assert.deepEqual(await authz.authorize(`Bearer ${token}`, [repo("admin/x", "delete")]), { allowed: true, account: "alice" });
  });

  it("answers insufficient_scope when the token lacks an action", async () => {
    const authz = await make();
    const issuer = await issuerFor();
    const { token } = await issuer.issue("alice", [repo("team-a/app", "pull")]);
    const scopes = [repo("team-a/app", "pull", "push"), repo("team-a/lib", "pull")];
    assert.deepEqual(await authz.authorize(`Bearer ${token}`, scopes), {
      allowed: false,
      status: 401,
      challenge: `${REALM},scope="repository:team-a/app:pull,push repository:team-a/lib:pull",error="insufficient_scope"`,
      code: "DENIED",
      message: 'user "alice" may not pull,push on repository "team-a/app"; pull on repository "team-a/lib"',
    });
    const anon = (await issuer.issue("", [])).token;
    const d = await authz.authorize(`Bearer ${anon}`, [repo("x", "pull")]);
    assert.equal(d.allowed === false && d.code, "UNAUTHORIZED");
  });

  it("answers invalid_token for an expired or foreign token, and challenges Basic credentials", async () => {
    const authz = await make();
    const expired = (await (await issuerFor(() => new Date(Date.now() - 3_600_000))).issue("alice", [repo("x", "pull")])).token;
    const d = await authz.authorize(`Bearer ${expired}`, [repo("x", "pull")]);
    assert.equal(d.allowed === false && d.challenge, `${REALM},scope="repository:x:pull",error="invalid_token"`);
    assert.equal(d.allowed === false && d.message, "token has expired");
    const basicTry = await authz.authorize(basic("alice", "alice-pw"), []);
    assert.equal(basicTry.allowed === false && basicTry.challenge, REALM);
  });

  it("uses a configured key and fails when it is missing", async () => {
    await assert.rejects(make({ key: join(dir, "missing.pem") }), /token signing key .*missing\.pem: not found/);
  });
});
