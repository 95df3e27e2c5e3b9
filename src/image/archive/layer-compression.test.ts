import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { gzipSync } from "node:zlib";
import { buffer } from "node:stream/consumers";
import { Readable } from "node:stream";
import { isBerthError } from "../../oci/index.js";
import { decompressor, sniffCompression, type Compression } from "./layer-compression.js";

const cases: readonly { what: string; head: number[] | Buffer; want: Compression }[] = [
  { what: "gzip", head: gzipSync(Buffer.from("x")), want: "gzip" },
  { what: "zstd frame", head: [0x28, 0xb5, 0x2f, 0xfd, 0, 0], want: "zstd" },
  { what: "bzip2", head: [0x42, 0x5a, 0x68, 0x39], want: "bzip2" },
  { what: "xz", head: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], want: "xz" },
  { what: "tar (a file name)", head: Buffer.from("bin/busybox"), want: "none" },
  { what: "empty tar (zero blocks)", head: Buffer.alloc(1024), want: "none" },
  { what: "no bytes", head: [], want: "none" },
  { what: "half a gzip magic", head: [0x1f], want: "none" },
];

describe("sniffCompression", () => {
  for (const c of cases) it(c.what, () => assert.equal(sniffCompression(Buffer.from(c.head)), c.want));
});

describe("decompressor", () => {
  it("gunzips", async () => {
    const d = decompressor("gzip", "layer")!;
    assert.equal((await buffer(Readable.from([gzipSync(Buffer.from("hello"))]).pipe(d))).toString(), "hello");
  });
  it("is absent for plain tars", () => assert.equal(decompressor("none", "layer"), undefined));
  for (const c of ["bzip2", "xz"] as const) {
    it(`refuses ${c} with a hint`, () => {
      assert.throws(() => decompressor(c, "layer 0 of x"), (e: unknown) => {
        assert.ok(isBerthError(e, "FAILED_PRECONDITION"));
        assert.match(e.message, new RegExp(`^layer 0 of x: ${c} compression`));
        assert.ok(e.hint);
        return true;
      });
    });
  }
});
