// Failure injection: connections reset mid-blob, a pull stopped part-way and
// resumed by a fresh client, registries that serve wrong bytes, ignore Range,
// fail with 5xx, or send hostile manifests, challenges and redirects.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { join } from "node:path";
import {
  fetchIngestRef, ManifestDigestMismatchError, ManifestTooLargeError, pullImage, pushImage, RegistryClient, type ProgressEvent,
} from "../../../src/client/index.js";
import { ContentStore, DigestMismatchError, SizeMismatchError } from "../../../src/content/index.js";
import { digestOf, isBerthError, parseReference, type Descriptor, type Digest } from "../../../src/oci/index.js";
import type { RunningRegistry } from "../../../src/registry/index.js";
import { makeRandomBlob, type ImageFixture } from "../../fixtures/make-image.js";
import { tempDir, type TempDir } from "../../support/temp-dir.js";
import { makeBigLayout, RecordingTransport, startBerth, startResetProxy, storeLayout } from "./client-fixtures.js";

const fast = { retries: 3, baseDelayMs: 5, maxDelayMs: 20 };

/** A registry made of one handler, on 127.0.0.1 and a free port; GET /v2/ answers 200 unless the handler does. */
async function tinyRegistry(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ host: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    if (req.url === "/v2/" && req.method === "GET") {
      res.writeHead(200).end();
      return;
    }
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    host: `127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

const blobDescriptor = (bytes: Buffer): Descriptor => ({ mediaType: "application/octet-stream", digest: digestOf(bytes), size: bytes.length });

describe("client failure handling", () => {
  let tmp: TempDir;
  let reg: RunningRegistry;
  let big: ImageFixture;
  let stores = 0;
  const freshStore = (): ContentStore => new ContentStore(join(tmp.path, `store-${++stores}`));

  before(async () => {
    tmp = await tempDir("berth-cfail-");
    reg = await startBerth(join(tmp.path, "berth"));
    const layout = join(tmp.path, "layout");
    big = await makeBigLayout(layout, "big", 16 << 20, 11);
    const source = new ContentStore(join(tmp.path, "source"));
    await storeLayout(layout, source);
    await pushImage(source, big.manifest.digest as Digest, parseReference(`${reg.host}/big/image:1`));
  });
  after(async () => {
    await reg?.close();
    await tmp?.remove();
  });

  it("resumes with Range after the connection is reset mid-blob, and the digest verifies", async () => {
    const layer = big.layers[0]!;
    const blobPath = new RegExp(`^GET /v2/big/image/blobs/${layer.digest} `);
    await using proxy = await startResetProxy(reg.host, blobPath, 5 << 20);
    const store = freshStore();
    const events: ProgressEvent[] = [];
    const result = await pullImage(parseReference(`${proxy.host}/big/image:1`), store, { retry: fast, onProgress: (e) => events.push(e) });
    assert.equal(proxy.resets, 1, "the proxy reset one connection");
    const blobHeads = proxy.heads.filter((h) => blobPath.test(h));
    assert.equal(blobHeads.length, 2, blobHeads.join("\n---\n"));
    const range = /\r\nrange: bytes=(\d+)-\r\n/i.exec(blobHeads[1]!);
    assert.ok(range, `the second request asks for a Range:\n${blobHeads[1]}`);
    assert.ok(Number(range[1]) > 0 && Number(range[1]) <= 5 << 20, `resumed from ${range[1]}`);
    assert.equal(await store.verify(result.images[0]!.layers[0]!.digest), layer.digest);
    assert.ok(events.some((e) => e.type === "blob-retry"), "a retry was reported");
  });

  it("after a pull is stopped part-way, a fresh client on the same store fetches only the remainder", async () => {
    const layer = big.layers[0]!;
    const root = join(tmp.path, "store-resume");
    const ac = new AbortController();
    const isLayer = (path: string): boolean => path.endsWith(`/blobs/${layer.digest}`);
    {
      await using transport = new RecordingTransport((entry) => {
        if (isLayer(entry.url.pathname) && entry.received >= 6 << 20) ac.abort();
      });
      await assert.rejects(
        pullImage(parseReference(`${reg.host}/big/image:1`), new ContentStore(root), { transport, signal: ac.signal }),
        (e: unknown) => isBerthError(e, "CANCELLED"),
      );
    }
    const store = new ContentStore(root);
    const offset = await store.ingestOffset(fetchIngestRef(layer.digest));
    assert.ok(offset !== undefined && offset >= 1 << 20 && offset < layer.size, `partial ingest kept: ${offset}`);
    await using transport = new RecordingTransport();
    const events: ProgressEvent[] = [];
    await pullImage(parseReference(`${reg.host}/big/image:1`), store, { transport, onProgress: (e) => events.push(e) });
    const gets = transport.log.filter((r) => r.method === "GET" && isLayer(r.url.pathname));
    assert.equal(gets.length, 1);
    assert.equal(gets[0]!.headers.range, `bytes=${offset}-`);
    assert.equal(gets[0]!.status, 206);
    assert.equal(gets[0]!.received, layer.size - offset, "only the remainder crossed the wire");
    assert.ok(events.some((e) => e.type === "blob-start" && e.digest === layer.digest && e.offset === offset));
    assert.equal(await store.verify(layer.digest as Digest), layer.digest);
    assert.deepEqual(await store.listIngests(), []);
  });

  describe("against a registry that misbehaves", () => {
    const good = makeRandomBlob(300_000, 3);
    const desc = blobDescriptor(good);

    // Blobs over 4 MiB come through a pooled GET (its own connection, reused buffers) when the
    // client uses its own transport, as here; smaller ones through the transport. Both refuse wrong bytes.
    const large = makeRandomBlob((4 << 20) + 12_345, 9);
    const largeDesc = blobDescriptor(large);
    for (const [what, bytes, d] of [["a small blob", good, desc], ["a large blob (pooled GET)", large, largeDesc]] as const) {
      it(`refuses wrong bytes of ${what}: DigestMismatchError naming the digest, nothing stored, no ingest left`, async () => {
        const wrong = Buffer.from(bytes);
        wrong[200_000] = wrong[200_000]! ^ 0xff;
        const server = await tinyRegistry((_req, res) => res.writeHead(200, { "content-length": String(wrong.length) }).end(wrong));
        try {
          const store = freshStore();
          await assert.rejects(new RegistryClient(server.host, { credentials: {}, retry: fast }).fetchBlob("bad/repo", d, store), (e: unknown) => {
            assert.ok(e instanceof DigestMismatchError, String(e));
            assert.equal(e.expected, d.digest);
            assert.match(e.message, new RegExp(d.digest));
            return true;
          });
          assert.equal(await store.hasBlob(d.digest), false);
          assert.deepEqual(await store.listIngests(), []);
        } finally {
          await server.close();
        }
      });
    }

    it("refuses more bytes than the descriptor's size, leaving no ingest", async () => {
      const server = await tinyRegistry((_req, res) => res.writeHead(200).end(Buffer.concat([good, Buffer.from("extra")])));
      try {
        const store = freshStore();
        await assert.rejects(new RegistryClient(server.host, { credentials: {}, retry: fast }).fetchBlob("bad/repo", desc, store), SizeMismatchError);
        assert.deepEqual(await store.listIngests(), []);
      } finally {
        await server.close();
      }
    });

    it("refuses a large blob whose Content-Length is not the descriptor's size, and stores a good one whole", async () => {
      const longer = await tinyRegistry((_req, res) => res.writeHead(200, { "content-length": String(large.length + 5) }).end(Buffer.concat([large, Buffer.from("extra")])));
      try {
        const store = freshStore();
        await assert.rejects(new RegistryClient(longer.host, { credentials: {}, retry: fast }).fetchBlob("bad/repo", largeDesc, store), SizeMismatchError);
        assert.deepEqual(await store.listIngests(), []);
      } finally {
        await longer.close();
      }
      const good = await tinyRegistry((_req, res) => res.writeHead(200, { "content-length": String(large.length) }).end(large));
      try {
        const store = freshStore();
        const info = await new RegistryClient(good.host, { credentials: {}, retry: fast }).fetchBlob("ok/repo", largeDesc, store);
        assert.equal(info.digest, largeDesc.digest);
        assert.equal(await store.verify(largeDesc.digest), largeDesc.digest);
      } finally {
        await good.close();
      }
    });

    it("retries 503 twice, then succeeds", async () => {
      let gets = 0;
      const server = await tinyRegistry((_req, res) => {
        if (++gets <= 2) res.writeHead(503, { "content-type": "application/json" }).end('{"errors":[{"code":"UNAVAILABLE","message":"busy"}]}');
        else res.writeHead(200, { "content-length": String(good.length) }).end(good);
      });
      try {
        const store = freshStore();
        const info = await new RegistryClient(server.host, { credentials: {}, retry: fast }).fetchBlob("flaky/repo", desc, store);
        assert.equal(info.digest, desc.digest);
        assert.equal(gets, 3);
      } finally {
        await server.close();
      }
    });

    it("gives up after the retries with UNAVAILABLE naming the request", async () => {
      let gets = 0;
      const server = await tinyRegistry((_req, res) => {
        gets++;
        res.writeHead(502).end();
      });
      try {
        await assert.rejects(
          new RegistryClient(server.host, { credentials: {}, retry: { retries: 2, baseDelayMs: 1 } }).fetchBlob("down/repo", desc, freshStore()),
          (e: unknown) => isBerthError(e, "UNAVAILABLE") && /^GET http:\/\/127\.0\.0\.1:\d+\/v2\/down\/repo\/blobs\/sha256:[0-9a-f]{64}: 502 Bad Gateway/.test(e.message),
        );
        assert.equal(gets, 3, "the first attempt and two retries");
      } finally {
        await server.close();
      }
    });

    it("starts over when the server answers a Range request with the whole blob (200)", async () => {
      const ranges: (string | undefined)[] = [];
      const server = await tinyRegistry((req, res) => {
        ranges.push(req.headers.range);
        res.writeHead(200, { "content-length": String(good.length) }).end(good);
      });
      try {
        const store = freshStore();
        const w = await store.writer(fetchIngestRef(desc.digest));
        await w.write(good.subarray(0, 100_000));
        await w.close();
        const info = await new RegistryClient(server.host, { credentials: {}, retry: fast }).fetchBlob("norange/repo", desc, store);
        assert.equal(info.size, good.length);
        assert.equal(await store.verify(desc.digest), desc.digest);
        assert.deepEqual(ranges, ["bytes=100000-"]);
      } finally {
        await server.close();
      }
    });

    it("re-fetches from the start when bytes kept from an earlier run are corrupt", async () => {
      const ranges: (string | undefined)[] = [];
      const server = await tinyRegistry((req, res) => {
        ranges.push(req.headers.range);
        const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? "");
        const start = m ? Number(m[1]) : 0;
        res.writeHead(m ? 206 : 200, {
          "content-length": String(good.length - start),
          ...(m && { "content-range": `bytes ${start}-${good.length - 1}/${good.length}` }),
        }).end(good.subarray(start));
      });
      try {
        const store = freshStore();
        const w = await store.writer(fetchIngestRef(desc.digest));
        await w.write(Buffer.alloc(50_000, 7));
        await w.close();
        await new RegistryClient(server.host, { credentials: {}, retry: fast }).fetchBlob("corrupt/repo", desc, store);
        assert.equal(await store.verify(desc.digest), desc.digest);
        assert.deepEqual(ranges, ["bytes=50000-", undefined], "resumed, found the mismatch, fetched it whole");
      } finally {
        await server.close();
      }
    });
  });

  describe("hostile manifests, challenges and redirects", () => {
    const manifest = Buffer.from(JSON.stringify({
      schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: digestOf("{}"), size: 2 }, layers: [],
    }));
    const digest = digestOf(manifest);

    it("refuses a manifest declared over 4 MiB without reading it, and one that streams past 4 MiB", async () => {
      const server = await tinyRegistry((req, res) => {
        if (req.url?.endsWith("/declared")) res.writeHead(200, { "content-length": String(5 << 20), "content-type": "application/vnd.oci.image.manifest.v1+json" }).end();
        else {
          res.writeHead(200, { "content-type": "application/vnd.oci.image.manifest.v1+json" });
          res.end(Buffer.alloc(5 << 20, 0x20));
        }
      });
      try {
        const client = new RegistryClient(server.host, { credentials: {}, retry: fast });
        await assert.rejects(client.fetchManifest("big/manifest", "declared"), ManifestTooLargeError);
        await assert.rejects(client.fetchManifest("big/manifest", "streamed"), (e: unknown) => e instanceof ManifestTooLargeError && isBerthError(e, "INVALID_ARGUMENT"));
      } finally {
        await server.close();
      }
    });

    it("refuses manifest bytes that do not match the digest asked for, or the Docker-Content-Digest sent", async () => {
      const other = Buffer.concat([manifest, Buffer.from(" ")]);
      const server = await tinyRegistry((req, res) => {
        const headers = { "content-type": "application/vnd.oci.image.manifest.v1+json", ...(req.url?.endsWith("/lying") && { "docker-content-digest": digest }) };
        res.writeHead(200, headers).end(other);
      });
      try {
        const client = new RegistryClient(server.host, { credentials: {}, retry: fast });
        await assert.rejects(client.fetchManifest("m/repo", digest), (e: unknown) => e instanceof ManifestDigestMismatchError && e.expected === digest);
        await assert.rejects(client.fetchManifest("m/repo", "lying"), ManifestDigestMismatchError);
        const ok = await client.fetchManifest("m/repo", "honest");
        assert.equal(ok.descriptor.digest, digestOf(other));
      } finally {
        await server.close();
      }
    });

    it("refuses Docker schema 1 with a hint, and names the manifest", async () => {
      const server = await tinyRegistry((_req, res) => {
        res.writeHead(200, { "content-type": "application/vnd.docker.distribution.manifest.v1+prettyjws" }).end('{"schemaVersion":1,"name":"x","tag":"y","fsLayers":[]}');
      });
      try {
        await assert.rejects(new RegistryClient(server.host, { credentials: {} }).fetchManifest("old/repo", "v1"), (e: unknown) =>
          isBerthError(e, "INVALID_ARGUMENT") && e.message.includes("old/repo:v1") && /skopeo copy/.test(e.hint ?? ""));
      } finally {
        await server.close();
      }
    });

    it("refuses a token realm that is not an HTTP(S) URL", async () => {
      const server = await tinyRegistry((_req, res) => {
        res.writeHead(401, { "www-authenticate": 'Bearer realm="file:///etc/passwd",service="x"' }).end();
      });
      try {
        await assert.rejects(new RegistryClient(server.host, { credentials: {} }).fetchManifest("a/b", "1"), (e: unknown) => isBerthError(e, "INVALID_ARGUMENT") && /realm/.test(e.message));
      } finally {
        await server.close();
      }
    });

    it("keeps a huge or hostile error body out of the message", async () => {
      const server = await tinyRegistry((_req, res) => {
        res.writeHead(400, { "content-type": "application/json" });
        res.end(JSON.stringify({ errors: [{ code: "MANIFEST_INVALID", message: `bad\u001b[31m${"x".repeat(100_000)}` }] }));
      });
      try {
        await assert.rejects(new RegistryClient(server.host, { credentials: {} }).fetchManifest("a/b", "1"), (e: unknown) => {
          assert.ok(isBerthError(e, "INVALID_ARGUMENT"), String(e));
          assert.ok(e.message.length < 1000, `message of ${e.message.length} characters`);
          assert.ok(!e.message.includes("\u001b"), "no control characters");
          return true;
        });
      } finally {
        await server.close();
      }
    });

    it("follows a blob redirect to another origin without sending it the Authorization header", async () => {
      const blob = makeRandomBlob(10_000, 5);
      const seen: (string | undefined)[] = [];
      const storage = await tinyRegistry((req, res) => {
        seen.push(req.headers.authorization);
        res.writeHead(200, { "content-length": String(blob.length) }).end(blob);
      });
      const server = await tinyRegistry((req, res) => {
        if (req.headers.authorization === undefined) {
          res.writeHead(401, { "www-authenticate": 'Basic realm="test"' }).end();
          return;
        }
        res.writeHead(307, { location: `http://${storage.host}/storage/blob?sig=1` }).end();
      });
      try {
        const store = freshStore();
        await new RegistryClient(server.host, { credentials: { username: "u", password: "p" } }).fetchBlob("r/r", blobDescriptor(blob), store);
        assert.equal(await store.verify(digestOf(blob)), digestOf(blob));
        assert.deepEqual(seen, [undefined], "storage got no credentials");
      } finally {
        await server.close();
        await storage.close();
      }
    });
  });
});
