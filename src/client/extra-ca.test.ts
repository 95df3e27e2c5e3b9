// The registry client's transport with NODE_EXTRA_CA_CERTS kept from Node's start by the launcher
// (the global bin/berth.cjs sets): its https requests trust the file. extraCaContext is made once per
// process, and node's test runner runs each file in its own process, so this file sets it first.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { DEFERRED_EXTRA_CA_CERTS } from "./extra-ca.js";
import { NodeHttpTransport } from "./http-transport.js";

const NO_OPENSSL = spawnSync("openssl", ["version"]).status === 0 ? false : "needs openssl to make a test certificate";

describe("NodeHttpTransport with a deferred NODE_EXTRA_CA_CERTS", { skip: NO_OPENSSL }, () => {
  let dir = "";
  let server: Server;
  let url = "";

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "berth-extra-ca-"));
    const made = spawnSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
      "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem"), "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"]);
    assert.equal(made.status, 0, String(made.stderr));
    server = createServer({ cert: await readFile(join(dir, "cert.pem")), key: await readFile(join(dir, "key.pem")) }, (_req, res) => res.end("{}"));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/v2/`;
  });
  after(async () => {
    delete (globalThis as Record<symbol, unknown>)[DEFERRED_EXTRA_CA_CERTS];
    server?.closeAllConnections();
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    await rm(dir, { recursive: true, force: true });
  });

  it("trusts the file the launcher kept, and a CA given to the transport still wins", async () => {
    (globalThis as Record<symbol, unknown>)[DEFERRED_EXTRA_CA_CERTS] = join(dir, "cert.pem");
    await using transport = new NodeHttpTransport();
    const res = await transport.request({ method: "GET", url: new URL(url), headers: {} });
    assert.equal(res.status, 200);
    res.discard();
    // A transport given its own CA (here Node's roots alone) does not take the launcher's file.
    const { rootCertificates } = await import("node:tls");
    await using own = new NodeHttpTransport({ ca: [...rootCertificates] });
    await assert.rejects(own.request({ method: "GET", url: new URL(url), headers: {} }), /self[- ]signed certificate/i);
  });
});
