import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ArchiveCache } from "./archive-cache.js";
import { ChecksumMismatchError, MirrorUnavailableError } from "./errors.js";

const sha = (s: string | Buffer): string => createHash("sha256").update(s).digest("hex");

/** A tiny mirror on 127.0.0.1 serving `files`; counts requests per path. */
async function mirror(files: Map<string, string>): Promise<{ url: string; hits: Map<string, number>; server: Server }> {
  const hits = new Map<string, number>();
  const server = createServer((req, res) => {
    hits.set(req.url!, (hits.get(req.url!) ?? 0) + 1);
    if (req.url === "/redirect") return void res.writeHead(302, { location: "/pool/a.deb" }).end();
    const body = files.get(req.url!);
    if (body === undefined) return void res.writeHead(404).end();
    res.writeHead(200).end(body);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits, server };
}

describe("ArchiveCache", () => {
  const env = {}; // no proxy for 127.0.0.1, whatever the test machine sets

  it("downloads once, verifies, then serves from the cache", async () => {
    const dir = await mkdtemp(join(tmpdir(), "berth-cache-"));
    const m = await mirror(new Map([["/pool/a.deb", "deb bytes"]]));
    try {
      const cache = new ArchiveCache(dir, { env });
      const p1 = await cache.fetchVerified(`${m.url}/pool/a.deb`, sha("deb bytes"), "a.deb");
      const p2 = await cache.fetchVerified(`${m.url}/redirect`, sha("deb bytes"), "a.deb");
      assert.equal(p1, p2);
      assert.equal(await readFile(p1, "utf8"), "deb bytes");
      assert.equal(m.hits.get("/pool/a.deb"), 1);
      assert.equal(await cache.hasVerified(sha("deb bytes")), true);
    } finally {
      m.server.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("a bad SHA256 fails naming the file and leaves nothing in the cache", async () => {
    const dir = await mkdtemp(join(tmpdir(), "berth-cache-"));
    const m = await mirror(new Map([["/pool/evil.deb", "tampered"]]));
    try {
      const cache = new ArchiveCache(dir, { env });
      const err = await cache.fetchVerified(`${m.url}/pool/evil.deb`, sha("original"), "evil_1.0_amd64.deb").catch((e: unknown) => e);
      assert.ok(err instanceof ChecksumMismatchError);
      assert.match(err.message, new RegExp(`^evil_1\\.0_amd64\\.deb: SHA256 ${sha("tampered")}, expected ${sha("original")}`));
      assert.equal(await cache.hasVerified(sha("original")), false);
      assert.deepEqual(await readdir(join(dir, "tmp")), []);
    } finally {
      m.server.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("a 404 is MirrorUnavailableError naming the URL", async () => {
    const dir = await mkdtemp(join(tmpdir(), "berth-cache-"));
    const m = await mirror(new Map());
    try {
      await assert.rejects(new ArchiveCache(dir, { env }).fetchVerified(`${m.url}/nope.deb`, sha("x"), "nope.deb"), (e: unknown) => e instanceof MirrorUnavailableError && /nope\.deb: HTTP 404/.test(e.message));
    } finally {
      m.server.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("fetchLatest falls back to the last copy when the mirror is gone", async () => {
    const dir = await mkdtemp(join(tmpdir(), "berth-cache-"));
    const m = await mirror(new Map([["/InRelease", "v1"]]));
    try {
      const cache = new ArchiveCache(dir, { env, idleTimeoutMs: 2000 });
      const first = await cache.fetchLatest(`${m.url}/InRelease`);
      assert.equal(first.isStale, false);
      await new Promise<void>((r) => m.server.close(() => r()));
      const second = await cache.fetchLatest(`${m.url}/InRelease`);
      assert.equal(second.isStale, true);
      assert.equal(await readFile(second.path, "utf8"), "v1");
      await assert.rejects(cache.fetchLatest(`${m.url}/Other`), MirrorUnavailableError);
    } finally {
      m.server.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
