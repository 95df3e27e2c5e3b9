import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isBerthError } from "../../oci/index.js";
import { CredentialHelperError } from "./credential-helper.js";
import { credentialKey, dockerConfigPath, loadCredentials, removeCredentials, saveCredentials, DOCKER_HUB_KEY } from "./docker-config.js";

const b64 = (s: string): string => Buffer.from(s).toString("base64");

describe("docker config credentials", () => {
  let dir: string;
  let n = 0;
  /** A fresh config.json path holding `doc` (or nothing). */
  const config = async (doc?: unknown): Promise<string> => {
    const d = join(dir, `c${++n}`);
    await mkdir(d, { recursive: true });
    if (doc !== undefined) await writeFile(join(d, "config.json"), typeof doc === "string" ? doc : JSON.stringify(doc));
    return join(d, "config.json");
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "berth-dcfg-"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("finds config.json as docker does: explicit path, then $DOCKER_CONFIG, then ~/.docker", () => {
    assert.equal(dockerConfigPath({ configPath: "/x/c.json", env: { DOCKER_CONFIG: "/d" } }), "/x/c.json");
    assert.equal(dockerConfigPath({ env: { DOCKER_CONFIG: "/d", HOME: "/h" } }), "/d/config.json");
    assert.equal(dockerConfigPath({ env: { HOME: "/h" } }), "/h/.docker/config.json");
  });

  it("files Docker Hub under its legacy URL and other registries under their host", () => {
    assert.equal(credentialKey("docker.io"), DOCKER_HUB_KEY);
    assert.equal(credentialKey("index.docker.io"), DOCKER_HUB_KEY);
    assert.equal(credentialKey("localhost:5000"), "localhost:5000");
  });

  const loads: { name: string; doc: unknown; host: string; want: unknown }[] = [
    { name: "auth base64", doc: { auths: { "r.example": { auth: b64("alice:pa:ss") } } }, host: "r.example", want: { username: "alice", password: "pa:ss" } },
    { name: "username and password fields", doc: { auths: { "r.example": { username: "bob", password: "pw" } } }, host: "r.example", want: { username: "bob", password: "pw" } },
    { name: "an identity token", doc: { auths: { "r.example": { identitytoken: "refresh-me" } } }, host: "r.example", want: { identityToken: "refresh-me" } },
    { name: "a key with scheme and path", doc: { auths: { "https://r.example:5000/v1/": { auth: b64("a:b") } } }, host: "r.example:5000", want: { username: "a", password: "b" } },
    { name: "Docker Hub's legacy key", doc: { auths: { [DOCKER_HUB_KEY]: { auth: b64("hub:pw") } } }, host: "docker.io", want: { username: "hub", password: "pw" } },
    { name: "a Hub alias key", doc: { auths: { "registry-1.docker.io": { auth: b64("hub:pw") } } }, host: "docker.io", want: { username: "hub", password: "pw" } },
    { name: "another port is another registry", doc: { auths: { "r.example:5000": { auth: b64("a:b") } } }, host: "r.example:5001", want: undefined },
    { name: "an empty entry (kept by a helper)", doc: { auths: { "r.example": {} } }, host: "r.example", want: undefined },
    { name: "no file", doc: undefined, host: "r.example", want: undefined },
    { name: "an empty file", doc: "", host: "r.example", want: undefined },
  ];
  for (const c of loads) {
    it(`loadCredentials: ${c.name}`, async () => {
      assert.deepEqual(await loadCredentials(c.host, { configPath: await config(c.doc), env: { PATH: "" } }), c.want);
    });
  }

  const bad: { name: string; doc: unknown; field: RegExp }[] = [
    { name: "not JSON", doc: "{auths:", field: /config\.json: not valid JSON/ },
    { name: "not an object", doc: "[]", field: /must hold a JSON object/ },
    { name: "auths not an object", doc: { auths: [] }, field: /auths: must be an object/ },
    { name: "auth not base64 of user:password", doc: { auths: { h: { auth: "!!!" } } }, field: /auths\["h"\]\.auth: must be base64/ },
    { name: "auth without a colon", doc: { auths: { h: { auth: b64("nocolon") } } }, field: /auths\["h"\]\.auth/ },
    { name: "a password that is a number", doc: { auths: { h: { username: "a", password: 5 } } }, field: /auths\["h"\]\.password: must be a string/ },
    { name: "a helper name that is a path", doc: { credsStore: "../../bin/sh" }, field: /credential helper name/ },
  ];
  for (const c of bad) {
    it(`loadCredentials refuses ${c.name}, naming the field`, async () => {
      await assert.rejects(loadCredentials("h", { configPath: await config(c.doc), env: { PATH: "" } }), (e: unknown) => isBerthError(e, "INVALID_ARGUMENT") && c.field.test(e.message));
    });
  }

  it("saveCredentials writes auth base64 with mode 0600 and keeps the rest of the file", async () => {
    const path = await config({ auths: { other: { auth: b64("x:y") } }, psFormat: "table", credHelpers: {} });
    await saveCredentials("r.example", "alice", "s3cret", { configPath: path, env: { PATH: "" } });
    const doc = JSON.parse(await readFile(path, "utf8")) as { auths: Record<string, { auth: string }>; psFormat: string };
    assert.equal(doc.psFormat, "table");
    assert.equal(doc.auths.other?.auth, b64("x:y"));
    assert.equal(doc.auths["r.example"]?.auth, b64("alice:s3cret"));
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    assert.deepEqual(await loadCredentials("r.example", { configPath: path, env: { PATH: "" } }), { username: "alice", password: "s3cret" });
  });

  it("saveCredentials creates the directory (0700) and file when missing, and refuses a user name with ':'", async () => {
    const path = join(dir, "new", "sub", "config.json");
    await saveCredentials("docker.io", "hub", "pw", { configPath: path });
    assert.equal((await stat(join(dir, "new", "sub"))).mode & 0o777, 0o700);
    assert.ok(DOCKER_HUB_KEY in (JSON.parse(await readFile(path, "utf8")) as { auths: object }).auths);
    await assert.rejects(saveCredentials("h", "a:b", "pw", { configPath: path }), (e: unknown) => isBerthError(e, "INVALID_ARGUMENT"));
  });

  it("removeCredentials drops every entry naming the host and says whether it removed any", async () => {
    const path = await config({ auths: { "r.example": { auth: b64("a:b") }, "https://r.example/v1/": { auth: b64("a:b") }, keep: { auth: b64("c:d") } } });
    assert.equal(await removeCredentials("r.example", { configPath: path, env: { PATH: "" } }), true);
    assert.deepEqual(Object.keys((JSON.parse(await readFile(path, "utf8")) as { auths: object }).auths), ["keep"]);
    assert.equal(await removeCredentials("r.example", { configPath: path, env: { PATH: "" } }), false);
    const none = await config();
    assert.equal(await removeCredentials("r.example", { configPath: none }), false);
    await assert.rejects(stat(none), "no file written when nothing changed");
  });

  describe("with a credential helper", () => {
    let bin: string;
    let log: string;
    before(async () => {
      bin = join(dir, "bin");
      log = join(dir, "helper.log");
      await mkdir(bin, { recursive: true });
      const helper = join(bin, "docker-credential-fake");
      await writeFile(helper, [
        "#!/bin/sh",
        'input=$(cat)',
        `echo "$1 $input" >> "${log}"`,
        'case "$1" in',
        '  get) case "$input" in',
        '    r.example) echo \'{"ServerURL":"r.example","Username":"helped","Secret":"pw"}\' ;;',
        '    tok.example) echo \'{"ServerURL":"tok.example","Username":"<token>","Secret":"idtok"}\' ;;',
        '    broken.example) echo "boom" >&2; exit 3 ;;',
        '    *) echo "credentials not found in native keychain"; exit 1 ;;',
        "  esac ;;",
        "  store|erase) ;;",
        "esac",
      ].join("\n"));
      await chmod(helper, 0o755);
    });
    const env = (): NodeJS.ProcessEnv => ({ PATH: `${bin}:/usr/bin:/bin` });

    it("asks credHelpers[host] first, reads <token> as an identity token, falls back to auths when it has nothing", async () => {
      const path = await config({ credHelpers: { "r.example": "fake", "tok.example": "fake", "other.example": "fake" }, auths: { "other.example": { auth: b64("file:pw") } } });
      assert.deepEqual(await loadCredentials("r.example", { configPath: path, env: env() }), { username: "helped", password: "pw" });
      assert.deepEqual(await loadCredentials("tok.example", { configPath: path, env: env() }), { identityToken: "idtok" });
      assert.deepEqual(await loadCredentials("other.example", { configPath: path, env: env() }), { username: "file", password: "pw" });
    });

    it("falls back to auths when the configured helper is not installed", async () => {
      const path = await config({ credsStore: "desktop", auths: { "r.example": { auth: b64("file:pw") } } });
      assert.deepEqual(await loadCredentials("r.example", { configPath: path, env: env() }), { username: "file", password: "pw" });
    });

    it("reports a helper that fails, naming it", async () => {
      const path = await config({ credsStore: "fake" });
      await assert.rejects(loadCredentials("broken.example", { configPath: path, env: env() }), (e: unknown) =>
        e instanceof CredentialHelperError && /docker-credential-fake get: exited 3: boom/.test(e.message));
    });

    it("saves through the helper (the file keeps an empty entry) and erases through it", async () => {
      const path = await config({ credsStore: "fake" });
      await saveCredentials("r.example", "alice", "pw", { configPath: path, env: env() });
      assert.deepEqual(JSON.parse(await readFile(path, "utf8")), { credsStore: "fake", auths: { "r.example": {} } });
      assert.match(await readFile(log, "utf8"), /store \{"ServerURL":"r\.example","Username":"alice","Secret":"pw"\}/);
      assert.equal(await removeCredentials("r.example", { configPath: path, env: env() }), true);
      assert.match(await readFile(log, "utf8"), /erase r\.example/);
    });

    it("refuses to save when the configured helper is not installed", async () => {
      const path = await config({ credsStore: "desktop" });
      await assert.rejects(saveCredentials("r.example", "a", "b", { configPath: path, env: env() }), CredentialHelperError);
    });
  });
});
