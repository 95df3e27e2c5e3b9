import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { gzipSync } from "node:zlib";
import { isBerthError, MediaType } from "../../oci/index.js";
import { decompress, layerCompression, type Compression } from "./decompress.js";

// `printf 'hello zstd\n' ×20 | zstd -c`: one frame with a repeat match, checksum on.
const ZSTD = Buffer.from("28b52ffd04589500005868656c6c6f207a7374640a01004e53c50b5ef40593", "hex");
const PLAIN = Buffer.from("hello zstd\n".repeat(20));

async function collect(blob: Buffer, compression: Compression, chunk = 7): Promise<Buffer> {
  const parts: Buffer[] = [];
  for (let i = 0; i < blob.length; i += chunk) parts.push(blob.subarray(i, i + chunk));
  const out: Buffer[] = [];
  for await (const c of decompress(Readable.from(parts), compression, "sha256:test")) out.push(c);
  return Buffer.concat(out);
}

const isFormatError = (pattern: RegExp) => (e: unknown): boolean => {
  assert.ok(isBerthError(e, "INVALID_ARGUMENT"), String(e));
  assert.match(e.message, /^layer sha256:test: /);
  assert.match(e.message, pattern);
  return true;
};

describe("layerCompression", () => {
  const table: [string, Compression | undefined][] = [
    [MediaType.OciLayer, "none"],
    [MediaType.OciLayerGzip, "gzip"],
    [MediaType.OciLayerZstd, "zstd"],
    [MediaType.DockerLayerGzip, "gzip"],
    [MediaType.DockerForeignLayerGzip, "gzip"],
    ["application/vnd.oci.image.layer.nondistributable.v1.tar+zstd", "zstd"],
    [`${MediaType.OciLayerGzip}; charset=binary`, "gzip"],
    ["application/vnd.oci.image.config.v1+json", undefined],
    ["application/x-tar+bzip2", undefined],
  ];
  for (const [mediaType, want] of table) it(`${mediaType} → ${want}`, () => assert.equal(layerCompression(mediaType), want));
});

describe("decompress", () => {
  it("passes an uncompressed layer through", async () => {
    assert.deepEqual(await collect(PLAIN, "none"), PLAIN);
  });

  it("gunzips, also concatenated members", async () => {
    assert.deepEqual(await collect(gzipSync(PLAIN), "gzip"), PLAIN);
    assert.deepEqual(await collect(Buffer.concat([gzipSync(PLAIN), gzipSync(PLAIN)]), "gzip"), Buffer.concat([PLAIN, PLAIN]));
  });

  it("decodes zstd in small chunks", async () => {
    const out = await collect(ZSTD, "zstd", 3);
    assert.equal(createHash("sha256").update(out).digest("hex"), "6e0c1b59281a905c436ca643ba405eda538eae120718e584a1f464da36d81c45");
  });

  it("refuses garbage or padding after a gzip stream, as Go's gzip reader does", async () => {
    await assert.rejects(collect(Buffer.concat([gzipSync(PLAIN), Buffer.from("trailing garbage")]), "gzip", 1 << 20), isFormatError(/gzip/));
    await assert.rejects(collect(Buffer.concat([gzipSync(PLAIN), Buffer.alloc(100)]), "gzip", 1 << 20), isFormatError(/100 bytes after the end/));
  });

  it("refuses a truncated gzip or zstd stream and garbage after zstd", async () => {
    const gz = gzipSync(PLAIN);
    await assert.rejects(collect(gz.subarray(0, gz.length - 5), "gzip"), isFormatError(/gzip: unexpected end/));
    await assert.rejects(collect(ZSTD.subarray(0, ZSTD.length - 3), "zstd"), isFormatError(/zstd/));
    await assert.rejects(collect(Buffer.concat([ZSTD, Buffer.from("garbage!")]), "zstd"), isFormatError(/zstd/));
  });

  it("refuses data that is not gzip at all", async () => {
    await assert.rejects(collect(PLAIN, "gzip"), isFormatError(/gzip: incorrect header check/));
  });

  it("stops when aborted", async () => {
    const ac = new AbortController();
    ac.abort();
    const run = async (): Promise<void> => {
      for await (const _ of decompress(Readable.from([gzipSync(PLAIN)]), "gzip", "sha256:test", ac.signal)) assert.fail("no data after abort");
    };
    await assert.rejects(run(), { name: "AbortError" });
  });
});
