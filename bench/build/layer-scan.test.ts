import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { test } from "node:test";
import tar from "tar-stream";
import { forbiddenFile, gzippedSize, scanLayer } from "./layer-scan.js";

type Entry = { name: string; body?: string; type?: "file" | "directory" | "symlink"; linkname?: string };

/** An uncompressed tar of `entries`, made by tar-stream. */
async function tarOf(entries: readonly Entry[]): Promise<Buffer> {
  const pack = tar.pack();
  for (const e of entries) {
    if (e.type === "directory") pack.entry({ name: e.name, type: "directory" });
    else if (e.type === "symlink") pack.entry({ name: e.name, type: "symlink", linkname: e.linkname ?? "x" });
    else pack.entry({ name: e.name }, e.body ?? "");
  }
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

const CA = "-----BEGIN CERTIFICATE-----\nMIIB proxy ca\n-----END CERTIFICATE-----\n";
const probe = forbiddenFile("build-ca.pem", Buffer.from(CA));

const cases: { name: string; entries: Entry[]; want: { entries: number; fileBytes: number; forbidden: string[] } }[] = [
  {
    name: "counts files, not dirs or links",
    entries: [{ name: "app/", type: "directory" }, { name: "app/a.js", body: "abc" }, { name: "app/b", type: "symlink" }, { name: "app/c.js", body: "de" }],
    want: { entries: 4, fileBytes: 5, forbidden: [] },
  },
  {
    name: "the CA's bytes under another name",
    entries: [{ name: "usr/share/x/bundle.crt", body: CA }, { name: "etc/ok", body: "1" }],
    want: { entries: 2, fileBytes: CA.length + 1, forbidden: ["usr/share/x/bundle.crt"] },
  },
  {
    name: "the CA's name with other bytes, of another size",
    entries: [{ name: "tmp/build-ca.pem", body: "other" }],
    want: { entries: 1, fileBytes: 5, forbidden: ["tmp/build-ca.pem"] },
  },
  {
    name: "the CA's name with other bytes of the same size",
    entries: [{ name: "tmp/build-ca.pem", body: "x".repeat(CA.length) }],
    want: { entries: 1, fileBytes: CA.length, forbidden: ["tmp/build-ca.pem"] },
  },
  {
    name: "same size, other bytes, other name: not the CA",
    entries: [{ name: "etc/ssl/certs/ca-certificates.crt", body: "y".repeat(CA.length) }],
    want: { entries: 1, fileBytes: CA.length, forbidden: [] },
  },
  {
    name: "a symlink with the CA's name",
    entries: [{ name: "build-ca.pem", type: "symlink", linkname: "/etc/passwd" }],
    want: { entries: 1, fileBytes: 0, forbidden: ["build-ca.pem"] },
  },
  { name: "an empty layer", entries: [], want: { entries: 0, fileBytes: 0, forbidden: [] } },
];

for (const c of cases) {
  test(`scanLayer: ${c.name}`, async () => {
    const got = await scanLayer(Readable.from(await tarOf(c.entries)), probe);
    assert.deepEqual({ ...got, forbidden: [...got.forbidden] }, c.want);
  });
}

test("scanLayer: without a forbidden file nothing is flagged", async () => {
  const got = await scanLayer(Readable.from(await tarOf([{ name: "build-ca.pem", body: CA }])));
  assert.deepEqual(got.forbidden, []);
  assert.equal(got.fileBytes, CA.length);
});

test("scanLayer: a layer past the entry limit is refused", async () => {
  const many = Array.from({ length: 6 }, (_, i) => ({ name: `f${i}`, body: "z" }));
  await assert.rejects(scanLayer(Readable.from(await tarOf(many)), undefined, 5), /more than 5 entries/);
});

test("scanLayer: a corrupt tar header is an error, not a short count", async () => {
  const bytes = await tarOf([{ name: "a", body: "hello" }, { name: "b", body: "world" }]);
  bytes.fill(0x41, 512 * 2, 512 * 2 + 200); // the second header's name and mode/size fields: checksum no longer matches
  await assert.rejects(scanLayer(Readable.from(bytes), probe));
});

test("gzippedSize: what gzip makes of the bytes, smaller for repetitive input", async () => {
  const text = Buffer.from("abc".repeat(10_000));
  const n = await gzippedSize(Readable.from([text]));
  assert.ok(n > 20 && n < 1000, `gzip of 30000 repeated bytes: ${n}`);
  assert.equal(await gzippedSize(Readable.from([text])), n);
});
