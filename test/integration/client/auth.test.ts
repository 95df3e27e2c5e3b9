// Authentication against berth's registry (in-process): Basic (htpasswd),
// Docker's token flow, credentials from a docker config.json and a credential
// helper, token caching and refresh, refusals with the login hint.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { chmod, mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import bcrypt from "bcryptjs";
import { pullImage, pushImage, RegistryClient, type Credentials } from "../../../src/client/index.js";
import { ContentStore } from "../../../src/content/index.js";
import { isBerthError, parseReference, type Digest } from "../../../src/oci/index.js";
import { parseAuthConfig, serveRegistry, type RunningRegistry } from "../../../src/registry/index.js";
import { makeBusyboxLayout, type ImageFixture } from "../../fixtures/make-image.js";
import { tempDir, type TempDir } from "../../support/temp-dir.js";
import { needsSkopeo, RecordingTransport, storeLayout } from "./client-fixtures.js";

const writer: Credentials = { username: "writer", password: "w-secret" };
const reader: Credentials = { username: "reader", password: "r-secret" };
const anonymous: Credentials = {};

async function writeHtpasswd(path: string): Promise<void> {
  await writeFile(path, `writer:${bcrypt.hashSync("w-secret", 4)}\nreader:${bcrypt.hashSync("r-secret", 4)}\n`);
}

const access = [{ repository: "**", users: ["reader"], actions: ["pull" as const] }, { repository: "**", users: ["writer"], actions: ["*" as const] }];

const isUnauthenticated = (host: string) => (e: unknown): boolean => {
  assert.ok(isBerthError(e, "UNAUTHENTICATED"), `expected UNAUTHENTICATED, got ${String(e)}`);
  assert.equal(e.hint, `run berth login ${host}`);
  return true;
};

describe("client auth", { skip: needsSkopeo }, () => {
  let tmp: TempDir;
  let store: ContentStore;
  let image: ImageFixture;

  before(async () => {
    tmp = await tempDir("berth-cauth-");
    const layout = join(tmp.path, "layout");
    image = await makeBusyboxLayout(layout, { tag: "latest" });
    store = new ContentStore(join(tmp.path, "store"));
    await storeLayout(layout, store);
    await writeHtpasswd(join(tmp.path, "htpasswd"));
  });
  after(async () => {
    await tmp?.remove();
  });

  describe("Basic (htpasswd)", () => {
    let reg: RunningRegistry;
    before(async () => {
      reg = await serveRegistry({ addr: "127.0.0.1:0", root: join(tmp.path, "basic"), auth: parseAuthConfig({ htpasswd: join(tmp.path, "htpasswd"), access }) });
      await pushImage(store, image.manifest.digest as Digest, parseReference(`${reg.host}/app/busybox:1`), { credentials: async () => writer });
    });
    after(async () => {
      await reg?.close();
    });

    it("refuses a pull without credentials: UNAUTHENTICATED with the login hint", async () => {
      await assert.rejects(
        pullImage(parseReference(`${reg.host}/app/busybox:1`), new ContentStore(join(tmp.path, "s-basic-anon")), { credentials: async () => anonymous }),
        isUnauthenticated(reg.host),
      );
    });

    it("refuses a wrong password the same way", async () => {
      await assert.rejects(
        pullImage(parseReference(`${reg.host}/app/busybox:1`), new ContentStore(join(tmp.path, "s-basic-bad")), { credentials: async () => ({ username: "reader", password: "nope" }) }),
        isUnauthenticated(reg.host),
      );
    });

    it("pulls with the reader's password, and refuses the reader's push with PERMISSION_DENIED", async () => {
      const s = new ContentStore(join(tmp.path, "s-basic-ok"));
      const result = await pullImage(parseReference(`${reg.host}/app/busybox:1`), s, { credentials: async () => reader });
      assert.equal(await s.verify(result.images[0]!.layers[0]!.digest), result.images[0]!.layers[0]!.digest);
      await assert.rejects(
        pushImage(store, image.manifest.digest as Digest, parseReference(`${reg.host}/app/other:1`), { credentials: async () => reader }),
        (e: unknown) => isBerthError(e, "PERMISSION_DENIED") && /DENIED/.test(e.message),
      );
    });

    it("ping checks credentials as docker login does", async () => {
      await new RegistryClient(reg.host, { credentials: reader }).ping();
      await assert.rejects(new RegistryClient(reg.host, { credentials: { username: "reader", password: "x" } }).ping(), isUnauthenticated(reg.host));
    });

    it("reads credentials from the config.json in DOCKER_CONFIG (auth base64, then username/password)", async () => {
      const configDir = join(tmp.path, "docker-config");
      await mkdir(configDir, { recursive: true });
      const saved = process.env.DOCKER_CONFIG;
      process.env.DOCKER_CONFIG = configDir;
      try {
        const auth = Buffer.from("reader:r-secret").toString("base64");
        await writeFile(join(configDir, "config.json"), JSON.stringify({ auths: { [`http://${reg.host}/v2/`]: { auth } } }));
        await pullImage(parseReference(`${reg.host}/app/busybox:1`), new ContentStore(join(tmp.path, "s-config-1")));
        await writeFile(join(configDir, "config.json"), JSON.stringify({ auths: { [reg.host]: { username: "reader", password: "r-secret" } } }));
        await pullImage(parseReference(`${reg.host}/app/busybox:1`), new ContentStore(join(tmp.path, "s-config-2")));
        await writeFile(join(configDir, "config.json"), JSON.stringify({ auths: {} }));
        await assert.rejects(pullImage(parseReference(`${reg.host}/app/busybox:1`), new ContentStore(join(tmp.path, "s-config-3"))), isUnauthenticated(reg.host));
      } finally {
        if (saved === undefined) delete process.env.DOCKER_CONFIG;
        else process.env.DOCKER_CONFIG = saved;
      }
    });

    it("asks the credential helper named by credsStore (docker-credential-<name> get)", async () => {
      const configDir = join(tmp.path, "helper-config");
      const bin = join(tmp.path, "bin");
      await mkdir(configDir, { recursive: true });
      await mkdir(bin, { recursive: true });
      const helper = join(bin, "docker-credential-berthtest");
      await writeFile(helper, [
        "#!/bin/sh",
        `[ "$1" = get ] || exit 1`,
        "read server",
        `if [ "$server" = "${reg.host}" ]; then echo '{"ServerURL":"'$server'","Username":"reader","Secret":"r-secret"}'; exit 0; fi`,
        "echo 'credentials not found in native keychain'; exit 1",
      ].join("\n"));
      await chmod(helper, 0o755);
      await writeFile(join(configDir, "config.json"), JSON.stringify({ credsStore: "berthtest" }));
      const env = { ...process.env, DOCKER_CONFIG: configDir, PATH: `${bin}:${process.env.PATH ?? ""}` };
      const { loadCredentials } = await import("../../../src/client/index.js");
      const creds = await loadCredentials(reg.host, { env });
      assert.deepEqual(creds, reader);
      await pullImage(parseReference(`${reg.host}/app/busybox:1`), new ContentStore(join(tmp.path, "s-helper")), { credentials: (h) => loadCredentials(h, { env }) });
    });
  });

  describe("token (Docker's registry token flow)", () => {
    let reg: RunningRegistry;
    let port: number;
    // The key berth's registry generates when none is configured.
    const keyFile = (): string => join(tmp.path, "token", "token-key.pem");
    const start = async (): Promise<RunningRegistry> => serveRegistry({
      addr: `127.0.0.1:${port}`, root: join(tmp.path, "token"),
      auth: parseAuthConfig({ htpasswd: join(tmp.path, "htpasswd"), token: {}, access }),
    });
    before(async () => {
      port = 0;
      reg = await start();
      port = Number(reg.host.split(":")[1]);
    });
    after(async () => {
      await reg?.close();
    });

    it("pushes and pulls with tokens, fetching one token per scope for all the blobs", async () => {
      await using transport = new RecordingTransport();
      await pushImage(store, image.manifest.digest as Digest, parseReference(`${reg.host}/team/app:1`), { transport, credentials: async () => writer });
      const pushTokens = transport.matching("GET", /^\/token$/);
      assert.equal(pushTokens.length, 1, "one token for repository:team/app:pull,push");
      assert.deepEqual(pushTokens[0]!.url.searchParams.getAll("scope"), ["repository:team/app:pull,push"]);
      assert.match(pushTokens[0]!.headers.authorization ?? "", /^Basic /);

      await using pullTransport = new RecordingTransport();
      const s = new ContentStore(join(tmp.path, "s-token"));
      await pullImage(parseReference(`${reg.host}/team/app:1`), s, { transport: pullTransport, credentials: async () => reader });
      assert.equal(pullTransport.matching("GET", /^\/token$/).length, 1, "one token for repository:team/app:pull");
      assert.ok(pullTransport.matching("GET", /\/blobs\//).every((r) => /^Bearer /.test(r.headers.authorization ?? "")));
      assert.equal(await s.verify(image.layers[0]!.digest as Digest), image.layers[0]!.digest);
    });

    it("refuses a push the user's rules do not allow with PERMISSION_DENIED, not a login hint alone", async () => {
      await assert.rejects(
        pushImage(store, image.manifest.digest as Digest, parseReference(`${reg.host}/team/other:1`), { credentials: async () => reader }),
        (e: unknown) => isBerthError(e, "PERMISSION_DENIED") && /POST .*\/v2\/team\/other\/blobs\/uploads\/: 401/.test(e.message),
      );
    });

    it("refuses a pull without credentials with the login hint", async () => {
      await assert.rejects(
        pullImage(parseReference(`${reg.host}/team/app:1`), new ContentStore(join(tmp.path, "s-token-anon")), { credentials: async () => anonymous }),
        isUnauthenticated(reg.host),
      );
    });

    it("refuses a bad password at the token endpoint with the login hint", async () => {
      await assert.rejects(
        new RegistryClient(reg.host, { credentials: { username: "writer", password: "bad" } }).fetchManifest("team/app", "1"),
        isUnauthenticated(reg.host),
      );
    });

    it("fetches a new token when the registry refuses the cached one", async () => {
      await using transport = new RecordingTransport();
      const client = new RegistryClient(reg.host, { credentials: reader, transport });
      await client.fetchManifest("team/app", "1");
      await client.fetchManifest("team/app", "1");
      assert.equal(transport.matching("GET", /^\/token$/).length, 1, "the token is cached");
      // A restart with a new signing key invalidates every token issued before.
      await reg.close();
      await rm(keyFile(), { force: true });
      reg = await start();
      const fetched = await client.fetchManifest("team/app", "1");
      assert.equal(fetched.descriptor.digest, image.manifest.digest);
      assert.equal(transport.matching("GET", /^\/token$/).length, 2, "a fresh token after the 401");
      const manifestGets = transport.matching("GET", /\/manifests\//);
      assert.deepEqual(manifestGets.slice(-2).map((r) => r.status), [401, 200]);
    });
  });

  describe("token realm over plain HTTP on another host", () => {
    let reg: RunningRegistry;
    before(async () => {
      reg = await serveRegistry({
        addr: "127.0.0.1:0", root: join(tmp.path, "realm"),
        auth: parseAuthConfig({ htpasswd: join(tmp.path, "htpasswd"), token: { realm: "http://token.example.invalid/token" }, access }),
      });
    });
    after(async () => {
      await reg?.close();
    });

    it("is not sent credentials: PERMISSION_DENIED before any connection to it", async () => {
      await using transport = new RecordingTransport();
      await assert.rejects(new RegistryClient(reg.host, { credentials: reader, transport }).ping(), (e: unknown) => {
        assert.ok(isBerthError(e, "PERMISSION_DENIED"), String(e));
        assert.match(e.message, /token\.example\.invalid/);
        return true;
      });
      assert.equal(transport.log.filter((r) => r.url.hostname === "token.example.invalid").length, 0);
    });
  });
});
