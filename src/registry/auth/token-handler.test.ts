import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import bcrypt from "bcryptjs";
import { decodeJwt } from "jose";
import { parseAuthConfig } from "./auth-config.js";
import { createAuthorizer, type Authorizer } from "./authorizer.js";

let dir: string;
let server: Server;
let base: string;
let authorizer: Authorizer;

const basic = (user: string, password: string): string => `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "berth-token-"));
  const htpasswd = join(dir, "htpasswd");
  await writeFile(htpasswd, `alice:${bcrypt.hashSync("alice-pw", 4)}\nbob:${bcrypt.hashSync("bob-pw", 4)}\n`);
  const config = parseAuthConfig({
    htpasswd,
    token: { service: "test-registry" },
    anonymous: "pull",
    access: [{ repository: "team-a/*", users: ["alice"], actions: ["pull", "push"] }],
  });
  authorizer = await createAuthorizer(config, { root: dir, baseUrl: () => base });
  server = createServer((req, res) => {
    if (authorizer.tokenHandler && new URL(req.url ?? "/", "http://x").pathname === authorizer.tokenPath) {
      authorizer.tokenHandler(req, res);
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await rm(dir, { recursive: true, force: true });
});

interface TokenReply {
  readonly token?: string;
  readonly access_token?: string;
  readonly refresh_token?: string;
  readonly expires_in?: number;
  readonly issued_at?: string;
  readonly scope?: string;
  readonly details?: string;
  readonly error?: string;
  readonly error_description?: string;
}

async function getToken(query: string, authorization?: string): Promise<{ status: number; headers: Headers; body: TokenReply }> {
  const res = await fetch(`${base}${authorizer.tokenPath}?${query}`, { headers: authorization ? { Authorization: authorization } : {} });
  return { status: res.status, headers: res.headers, body: (await res.json()) as TokenReply };
}

async function postToken(form: Record<string, string>): Promise<{ status: number; body: TokenReply }> {
  const res = await fetch(`${base}${authorizer.tokenPath}`, { method: "POST", body: new URLSearchParams(form) });
  return { status: res.status, body: (await res.json()) as TokenReply };
}

const accessOf = (token: string | undefined): unknown => decodeJwt(token ?? "")["access"];

describe("token endpoint", () => {
  it("serves at /token", () => assert.equal(authorizer.tokenPath, "/token"));

  it("gives an authenticated user a token for what was asked and allowed", async () => {
    const { status, headers, body } = await getToken(
      "service=test-registry&scope=repository:team-a/app:pull,push&scope=repository:other/x:pull&account=alice&client_id=docker",
      basic("alice", "alice-pw"),
    );
    assert.equal(status, 200, JSON.stringify(body));
    assert.equal(headers.get("cache-control"), "no-store");
    assert.ok(body.token);
    assert.equal(body.access_token, body.token);
    assert.equal(body.expires_in, 300);
    assert.ok(Math.abs(Date.parse(body.issued_at ?? "") - Date.now()) < 5_000);
    assert.equal(decodeJwt(body.token).sub, "alice");
    assert.equal(decodeJwt(body.token).aud, "test-registry");
    assert.deepEqual(accessOf(body.token), [
      { type: "repository", name: "team-a/app", actions: ["pull", "push"] },
      { type: "repository", name: "other/x", actions: ["pull"] },
    ]);
    const decision = await authorizer.authorize(`Bearer ${body.token}`, [{ type: "repository", name: "team-a/app", actions: ["push"] }]);
    assert.deepEqual(decision, { allowed: true, account: "alice" });
  });

  it("leaves out what is not allowed instead of failing", async () => {
    const { status, body } = await getToken(
      "service=test-registry&scope=repository:team-a/app:pull,push,delete&scope=registry:catalog:*",
      basic("bob", "bob-pw"),
    );
    assert.equal(status, 200);
    assert.deepEqual(accessOf(body.token), [
      { type: "repository", name: "team-a/app", actions: [] },
      { type: "registry", name: "catalog", actions: ["*"] },
    ]);
  });

  it("refuses a bad password with a Basic challenge", async () => {
    const { status, headers, body } = await getToken("service=test-registry&scope=repository:team-a/app:pull", basic("alice", "wrong"));
    assert.equal(status, 401);
    assert.equal(headers.get("www-authenticate"), 'Basic realm="berth-registry"');
    assert.equal(body.details, "invalid username or password");
    assert.equal(body.token, undefined);
  });

  it("gives anonymous clients pull only, with anonymous: pull", async () => {
    const { status, body } = await getToken("service=test-registry&scope=repository:public/app:pull,push&scope=repository:team-a/app:pull");
    assert.equal(status, 200);
    assert.equal(decodeJwt(body.token ?? "").sub, "");
    assert.deepEqual(accessOf(body.token), [
      { type: "repository", name: "public/app", actions: ["pull"] },
      { type: "repository", name: "team-a/app", actions: [] },
    ]);
  });

  it("refuses another service, a mismatched account and a malformed scope", async () => {
    const other = await getToken("service=docker.io&scope=repository:a:pull");
    assert.equal(other.status, 400);
    assert.match(other.body.details ?? "", /service "docker.io" is not served here/);
    const account = await getToken("service=test-registry&account=bob", basic("alice", "alice-pw"));
    assert.equal(account.status, 400);
    const scope = await getToken("service=test-registry&scope=repository:nope");
    assert.equal(scope.status, 400);
    assert.match(scope.body.details ?? "", /scope "repository:nope"/);
  });

  it("answers 405 to other methods", async () => {
    const res = await fetch(`${base}/token`, { method: "PUT" });
    assert.equal(res.status, 405);
    assert.equal(res.headers.get("allow"), "GET, POST");
  });

  it("does the OAuth2 password grant", async () => {
    const ok = await postToken({ grant_type: "password", username: "alice", password: "alice-pw", service: "test-registry", client_id: "containerd-client", scope: "repository:team-a/app:pull,push repository:team-a/lib:pull" });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal(ok.body.scope, "repository:team-a/app:pull,push repository:team-a/lib:pull");
    assert.equal(ok.body.refresh_token, undefined);
    assert.equal(decodeJwt(ok.body.access_token ?? "").sub, "alice");

    const bad = await postToken({ grant_type: "password", username: "alice", password: "nope", service: "test-registry" });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error, "invalid_grant");
    const unknown = await postToken({ grant_type: "authorization_code", code: "x" });
    assert.equal(unknown.body.error, "unsupported_grant_type");
  });

  it("issues a refresh token on request and honours it until the password changes", async () => {
    const login = await getToken("service=test-registry&offline_token=true&client_id=docker", basic("bob", "bob-pw"));
    assert.equal(login.status, 200);
    const refreshToken = login.body.refresh_token;
    assert.ok(refreshToken);
    // A refresh token opens nothing at the registry itself.
    assert.equal((await authorizer.authorize(`Bearer ${refreshToken}`, [])).allowed, false);

    const refreshed = await postToken({ grant_type: "refresh_token", refresh_token: refreshToken, service: "test-registry", scope: "repository:bob/app:pull,push" });
    assert.equal(refreshed.status, 200, JSON.stringify(refreshed.body));
    assert.equal(refreshed.body.refresh_token, refreshToken);
    assert.deepEqual(accessOf(refreshed.body.access_token), [{ type: "repository", name: "bob/app", actions: ["pull", "push"] }]);

    const forged = await postToken({ grant_type: "refresh_token", refresh_token: `${refreshToken}x`, service: "test-registry" });
    assert.equal(forged.status, 400);

    await writeFile(join(dir, "htpasswd"), `alice:${bcrypt.hashSync("alice-pw", 4)}\nbob:${bcrypt.hashSync("new-pw", 4)}\n# changed\n`);
    const revoked = await postToken({ grant_type: "refresh_token", refresh_token: refreshToken, service: "test-registry" });
    assert.equal(revoked.status, 400);
    assert.match(revoked.body.error_description ?? "", /revoked/);
  });
});
