// Auth at the HTTP level: challenges, the token endpoint, scope enforcement, TLS.
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { request as httpsRequest } from "node:https";
import bcrypt from "bcryptjs";
import { serveRegistry, parseAuthConfig, type RunningRegistry } from "../../../src/registry/index.js";
import { digestOf } from "../../../src/oci/index.js";
import { run } from "../../support/run.js";
import { missingTools } from "../../support/require-root.js";

const basic = (u: string, p: string): string => `Basic ${Buffer.from(`${u}:${p}`).toString("base64")}`;

describe("token auth", () => {
  let dir: string;
  let reg: RunningRegistry;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "berth-auth-"));
    await writeFile(join(dir, "htpasswd"), `writer:${bcrypt.hashSync("w", 4)}\nreader:${bcrypt.hashSync("r", 4)}\n`);
    reg = await serveRegistry({
      addr: "127.0.0.1:0", root: join(dir, "root"),
      auth: parseAuthConfig({
        htpasswd: join(dir, "htpasswd"), token: {},
        access: [{ repository: "**", users: ["reader"], actions: ["pull"] }, { repository: "**", users: ["writer"], actions: ["*"] }],
      }),
    });
  });
  after(async () => {
    await reg?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const token = async (auth: string | undefined, scope: string): Promise<string> => {
    const res = await fetch(`${reg.url}/token?service=berth-registry&scope=${encodeURIComponent(scope)}`, auth ? { headers: { Authorization: auth } } : {});
    assert.equal(res.status, 200, await res.clone().text());
    return ((await res.json()) as { token: string }).token;
  };

  it("refuses an anonymous push with 401 and a Bearer challenge naming realm, service and scope", async () => {
    const res = await fetch(`${reg.url}/v2/team/app/blobs/uploads/`, { method: "POST" });
    assert.equal(res.status, 401);
    const challenge = res.headers.get("www-authenticate") ?? "";
    assert.match(challenge, /^Bearer realm="http:\/\/127\.0\.0\.1:\d+\/token",service="berth-registry",scope="repository:team\/app:pull,push"/);
    assert.equal(((await res.json()) as { errors: { code: string }[] }).errors[0]?.code, "UNAUTHORIZED");
  });

  it("answers /v2/ with 401 and a challenge when no token is given, 200 with one", async () => {
    const res = await fetch(`${reg.url}/v2/`);
    assert.equal(res.status, 401);
    assert.match(res.headers.get("www-authenticate") ?? "", /^Bearer realm=/);
    const t = await token(basic("reader", "r"), "");
    assert.equal((await fetch(`${reg.url}/v2/`, { headers: { Authorization: `Bearer ${t}` } })).status, 200);
  });

  it("refuses a push with a pull-only token", async () => {
    const t = await token(basic("reader", "r"), "repository:team/app:pull,push");
    const payload = JSON.parse(Buffer.from(t.split(".")[1]!, "base64url").toString()) as { access: { actions: string[] }[] };
    assert.deepEqual(payload.access[0]?.actions, ["pull"], "the token endpoint leaves out what the rules do not allow");
    const res = await fetch(`${reg.url}/v2/team/app/blobs/uploads/`, { method: "POST", headers: { Authorization: `Bearer ${t}` } });
    assert.equal(res.status, 401);
    assert.match(res.headers.get("www-authenticate") ?? "", /error="insufficient_scope"/);
  });

  it("accepts a push with a push token and refuses a forged one", async () => {
    const t = await token(basic("writer", "w"), "repository:team/app:pull,push");
    const data = Buffer.from("layer");
    const ok = await fetch(`${reg.url}/v2/team/app/blobs/uploads/?digest=${digestOf(data)}`, { method: "POST", body: data, headers: { Authorization: `Bearer ${t}` } });
    assert.equal(ok.status, 201);
    const [h, p] = t.split(".");
    const forged = `${h}.${p}.${Buffer.from("not a signature").toString("base64url")}`;
    const res = await fetch(`${reg.url}/v2/team/app/blobs/${digestOf(data)}`, { headers: { Authorization: `Bearer ${forged}` } });
    assert.equal(res.status, 401);
  });

  it("refuses a bad password at the token endpoint", async () => {
    const res = await fetch(`${reg.url}/token?service=berth-registry&scope=repository:x:pull`, { headers: { Authorization: basic("writer", "nope") } });
    assert.equal(res.status, 401);
  });
});

describe("TLS", { skip: missingTools(["openssl"]).length > 0 ? "needs openssl to make a test certificate" : false }, () => {
  it("serves HTTPS with the given certificate and key", async () => {
    const dir = await mkdtemp(join(tmpdir(), "berth-tls-"));
    let reg: RunningRegistry | undefined;
    try {
      const r = await run("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem"), "-days", "1", "-subj", "/CN=127.0.0.1",
        "-addext", "subjectAltName=IP:127.0.0.1"]);
      assert.equal(r.code, 0, r.stderr);
      reg = await serveRegistry({ addr: "127.0.0.1:0", root: join(dir, "root"), tls: { cert: join(dir, "cert.pem"), key: join(dir, "key.pem") } });
      assert.match(reg.url, /^https:/);
      const ca = await import("node:fs/promises").then((fs) => fs.readFile(join(dir, "cert.pem")));
      const status = await new Promise<number>((resolve, reject) => {
        const req = httpsRequest(`${reg!.url}/v2/`, { ca }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on("error", reject);
        req.end();
      });
      assert.equal(status, 200);
    } finally {
      await reg?.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
