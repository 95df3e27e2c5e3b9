import { describe, it, beforeEach, afterEach } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readdir, rm, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { randomBytes } from "node:crypto";
import { digestOf, isBerthError } from "../oci/index.js";
import { ContentStore } from "./content-store.js";
import { DigestMismatchError, IngestLockedError, SizeMismatchError } from "./errors.js";

let dir: string;
let store: ContentStore;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "berth-content-"));
  store = new ContentStore(dir);
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const chunks = (data: Buffer, size: number): Readable =>
  Readable.from((function* () {
    for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
  })());

describe("ContentStore", () => {
  it("ingests a stream, verifies and publishes it under its digest", async () => {
    const data = randomBytes(3 << 20);
    const w = await store.writer("a");
    await w.writeStream(chunks(data, 65536));
    const info = await w.commit({ digest: digestOf(data), size: data.length });
    assert.equal(info.digest, digestOf(data));
    assert.deepEqual(await store.readBytes(info.digest), data);
    assert.deepEqual(await readdir(join(dir, "ingest")), [], "the ingest is gone after commit");
  });

  it("rejects a wrong digest and publishes nothing", async () => {
    const data = randomBytes(1000);
    const wrong = digestOf("something else");
    const w = await store.writer("b");
    await w.write(data);
    await assert.rejects(w.commit({ digest: wrong }), (e) => e instanceof DigestMismatchError && e.actual === digestOf(data));
    assert.equal(await store.hasBlob(wrong), false);
    assert.equal(await store.hasBlob(digestOf(data)), false);
    assert.deepEqual(await readdir(join(dir, "ingest")), []);
  });

  it("rejects a wrong size", async () => {
    const w = await store.writer("c");
    await w.write(Buffer.from("abc"));
    await assert.rejects(w.commit({ size: 4 }), SizeMismatchError);
  });

  it("verifies sha512 digests by re-hashing", async () => {
    const data = Buffer.from("sha512 content");
    const w = await store.writer("d");
    await w.write(data);
    const info = await w.commit({ digest: digestOf(data, "sha512") });
    assert.match(info.digest, /^sha512:/);
    assert.deepEqual(await store.readBytes(info.digest), data);
  });

  it("gives one ref a single writer at a time", async () => {
    const w = await store.writer("e");
    await assert.rejects(store.writer("e"), IngestLockedError);
    await w.close();
    const again = await store.writer("e");
    await again.abort();
  });

  it("resumes an ingest after its writer closed, re-hashing what is on disk", async () => {
    const data = randomBytes(2 << 20);
    const w1 = await store.writer("f");
    await w1.write(data.subarray(0, 1_000_000));
    await w1.close();
    const fresh = new ContentStore(dir); // as after a restart
    assert.equal(await fresh.ingestOffset("f"), 1_000_000);
    const w2 = await fresh.writer("f");
    assert.equal(w2.offset, 1_000_000);
    await w2.write(data.subarray(1_000_000));
    const info = await w2.commit({ digest: digestOf(data) });
    assert.equal(info.size, data.length);
  });

  it("stores one blob when many writers of the same digest commit at once", async () => {
    const data = randomBytes(512 << 10);
    const results = await Promise.all(
      Array.from({ length: 12 }, async (_, i) => {
        const w = await store.writer(`same-${i}`);
        await w.writeStream(chunks(data, 4096 + i * 977));
        return w.commit({ digest: digestOf(data) });
      }),
    );
    assert.ok(results.every((r) => r.digest === digestOf(data)));
    const all = [];
    for await (const b of store.walk()) all.push(b);
    assert.equal(all.length, 1);
    assert.equal(await store.verify(digestOf(data)), digestOf(data));
  });

  it("putBytes dedupes and checks the expected digest", async () => {
    const a = await store.putBytes(Buffer.from("x"));
    const b = await store.putBytes(Buffer.from("x"));
    assert.equal(a.digest, b.digest);
    await assert.rejects(store.putBytes(Buffer.from("y"), { digest: a.digest }), (e) => isBerthError(e, "FAILED_PRECONDITION"));
  });

  it("serves byte ranges", async () => {
    const { digest } = await store.putBytes(Buffer.from("0123456789"));
    const parts: Buffer[] = [];
    for await (const c of await store.readStream(digest, { start: 2, end: 5 })) parts.push(c as Buffer);
    assert.equal(Buffer.concat(parts).toString(), "2345");
  });

  it("reports a corrupted blob on verify", async () => {
    const { digest } = await store.putBytes(Buffer.from("original"));
    const path = store.blobPath(digest);
    await rm(path);
    await import("node:fs/promises").then((fs) => fs.writeFile(path, "tampered"));
    assert.notEqual(await store.verify(digest), digest);
    assert.equal(await readFile(path, "utf8"), "tampered");
  });

  it("never shows a partial ingest as a blob", async () => {
    const data = randomBytes(100_000);
    const w = await store.writer("partial");
    await w.write(data.subarray(0, 50_000));
    await w.flush();
    const seen = [];
    for await (const b of store.walk()) seen.push(b);
    assert.deepEqual(seen, []);
    assert.equal(await store.hasBlob(digestOf(data)), false);
    await w.abort();
    assert.equal(await store.hasIngest("partial"), false);
  });
});
