// NODE_EXTRA_CA_CERTS through the launcher's shebang (bin/berth.cjs run as a program, as the `berth`
// on a user's PATH is): Node starts without reading the file, berth trusts it on its first TLS
// connection, and the processes berth starts see the variable as the user set it.
import assert from "node:assert/strict";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";
import { missingTools } from "../../support/require-root.js";
import { describeResult, run, type RunResult } from "../../support/run.js";
import { tempDir, type TempDir } from "../../support/temp-dir.js";

const BERTH = fileURLToPath(new URL("../../../../bin/berth.cjs", import.meta.url));
const NO_OPENSSL = missingTools(["openssl"]).length > 0 ? "needs openssl to make a test certificate" : false;

/** This process's environment without proxies or CA settings, plus `extra`. */
function cleanEnv(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/proxy|_CA_|CERT/i.test(k)) env[k] = v;
  return { ...env, NO_PROXY: "127.0.0.1", ...extra };
}

describe("NODE_EXTRA_CA_CERTS through bin/berth.cjs", { skip: NO_OPENSSL }, () => {
  let tmp: TempDir;
  let server: Server;
  let cert = "";
  let ctx = "";
  const requests: string[] = [];
  const berth = (env: NodeJS.ProcessEnv, ...args: string[]): Promise<RunResult> =>
    run(BERTH, ["--root", join(tmp.path, "root"), ...args], { env: cleanEnv(env), timeoutMs: 60_000 });

  before(async () => {
    tmp = await tempDir("berth-extra-ca-");
    cert = join(tmp.path, "cert.pem");
    const key = join(tmp.path, "key.pem");
    const made = await run("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
      "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"]);
    assert.equal(made.code, 0, describeResult(made));
    server = createServer({ cert: await readFile(cert), key: await readFile(key) }, (req, res) => {
      requests.push(req.url ?? "");
      res.end("hello over TLS\n");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    ctx = join(tmp.path, "ctx");
    await mkdir(ctx);
    await writeFile(join(ctx, "Dockerfile"), `FROM scratch\nADD https://127.0.0.1:${(server.address() as AddressInfo).port}/hello.txt /hello.txt\n`);
  });
  after(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    await tmp?.remove();
  });

  it("starts without reading the file: a file that is missing warns only where TLS is used", async () => {
    const missing = join(tmp.path, "no-such-ca.pem");
    const version = await berth({ NODE_EXTRA_CA_CERTS: missing }, "--version");
    assert.equal(version.code, 0, describeResult(version));
    assert.equal(version.stderr, "", "Node read NODE_EXTRA_CA_CERTS at start: the shebang did not keep it from Node");
    // The same through `node bin/berth.cjs`: Node reads it at start and warns, which shows the check above can fail.
    const plain = await run(process.execPath, [BERTH, "--version"], { env: cleanEnv({ NODE_EXTRA_CA_CERTS: missing }) });
    assert.match(plain.stderr, /Ignoring extra certs from/);
    const build = await berth({ NODE_EXTRA_CA_CERTS: missing }, "build", "-q", "-t", "localhost/extra-ca:missing", ctx);
    assert.notEqual(build.code, 0, describeResult(build));
    assert.match(build.stderr, /Ignoring extra certs from `[^`]*no-such-ca\.pem`/);
    assert.match(build.stderr, /certificate/i, "the download fails on the server's certificate");
  });

  it("trusts the file on the first TLS connection (ADD of an https URL)", async () => {
    const before = requests.length;
    const build = await berth({ NODE_EXTRA_CA_CERTS: cert }, "build", "-q", "-t", "localhost/extra-ca:1", ctx);
    assert.equal(build.code, 0, describeResult(build));
    assert.match(build.stdout, /^sha256:[0-9a-f]{64}$/m);
    assert.deepEqual(requests.slice(before), ["/hello.txt"]);
  });

  it("does not trust the server without it", async () => {
    const build = await berth({}, "build", "-q", "--no-cache", "-t", "localhost/extra-ca:2", ctx);
    assert.notEqual(build.code, 0, describeResult(build));
    assert.match(build.stderr, /self[- ]signed certificate/i);
  });

  it("hands the variable, as set, to the processes berth starts (the daemon)", async () => {
    const start = await berth({ NODE_EXTRA_CA_CERTS: cert }, "daemon", "start");
    try {
      assert.equal(start.code, 0, describeResult(start));
      const pid = /pid (\d+)/.exec(start.stdout)?.[1];
      assert.ok(pid !== undefined, describeResult(start));
      const environ = (await readFile(`/proc/${pid}/environ`, "latin1")).split("\0");
      assert.ok(environ.includes(`NODE_EXTRA_CA_CERTS=${cert}`), environ.filter((e) => /CA_CERTS/.test(e)).join(" "));
      assert.ok(!environ.some((e) => e.startsWith("BERTH_DEFERRED_EXTRA_CA_CERTS=")));
    } finally {
      const stop = await berth({}, "daemon", "stop");
      assert.equal(stop.code, 0, describeResult(stop));
    }
  });
});
