import { it } from "node:test";
import assert from "node:assert/strict";
import { Readable, Writable } from "node:stream";
import { DigestMismatchError, SizeMismatchError } from "../../content/index.js";
import { digestOf, type Descriptor } from "../../oci/index.js";
import { ByteProgress } from "../progress.js";
import { meteredCopy, meteredWriter } from "./upload-body.js";

const blob = Buffer.from("0123456789".repeat(10_000));
const desc: Descriptor = { mediaType: "application/octet-stream", digest: digestOf(blob), size: blob.length };
const chunks = (b: Buffer, n = 7): Buffer[] => Array.from({ length: n }, (_, i) => b.subarray(Math.floor((i * b.length) / n), Math.floor(((i + 1) * b.length) / n)));

/** A request stand-in: keeps what it is given, optionally slow to take each chunk. */
function sink(delayMs = 0): Writable & { got: Buffer[] } {
  const got: Buffer[] = [];
  const w = new Writable({
    highWaterMark: 16,
    write(chunk: Buffer, _enc, done) {
      got.push(Buffer.from(chunk));
      setTimeout(done, delayMs);
    },
  });
  return Object.assign(w, { got });
}

it("meteredCopy sends every byte, counts them, and with verify holds the last chunk until the digest checks", async () => {
  const dest = sink(1);
  const progress = new ByteProgress(undefined, desc);
  await meteredCopy(Readable.from(chunks(blob)), desc, progress, true)(dest);
  // As the transport does once the writer resolved: end the request.
  await new Promise<void>((resolve) => dest.end(resolve));
  assert.equal(Buffer.concat(dest.got).equals(blob), true);
  assert.equal(progress.total, blob.length);
});

it("meteredCopy with verify fails on wrong bytes before the last chunk is written", async () => {
  const bad = Buffer.from(blob);
  bad[5] = 0x41;
  const dest = sink();
  const parts = chunks(bad);
  await assert.rejects(meteredCopy(Readable.from(parts), desc, new ByteProgress(undefined, desc), true)(dest), (e: unknown) => e instanceof DigestMismatchError && e.expected === desc.digest);
  assert.equal(Buffer.concat(dest.got).length, blob.length - parts[parts.length - 1]!.length, "everything but the held chunk");
});

for (const [name, body, actual] of [["short", blob.subarray(0, 1000), 1000], ["long", Buffer.concat([blob, Buffer.from("x")]), blob.length + 1]] as const) {
  for (const verify of [true, false]) {
    it(`meteredCopy (verify ${verify}) fails a ${name} source with SizeMismatchError`, async () => {
      await assert.rejects(
        meteredCopy(Readable.from(chunks(body)), desc, new ByteProgress(undefined, desc), verify)(sink()),
        (e: unknown) => e instanceof SizeMismatchError && e.actual === actual,
      );
    });
  }
}

it("meteredCopy passes on the source's error and stops when the request closes", async () => {
  const broken = new Readable({ read() {} });
  const pending = meteredCopy(broken, desc, new ByteProgress(undefined, desc), false)(sink());
  broken.destroy(Object.assign(new Error("reset"), { code: "ECONNRESET" }));
  await assert.rejects(pending, /reset/);
  const dest = sink();
  const src = new Readable({ read() {} });
  const waiting = meteredCopy(src, desc, new ByteProgress(undefined, desc), false)(dest);
  dest.destroy();
  await assert.rejects(waiting, /closed before the body was sent/);
  assert.equal(src.destroyed, true);
});

it("meteredWriter lets a sender reuse one buffer: each chunk is taken before the next overwrites it", async () => {
  const dest = sink(2);
  const progress = new ByteProgress(undefined, desc);
  const reused = Buffer.alloc(1000);
  const send = async (w: Writable): Promise<void> => {
    for (let at = 0; at < blob.length; at += reused.length) {
      blob.copy(reused, 0, at, at + reused.length);
      await new Promise<void>((resolve, reject) => w.write(reused, (e) => (e ? reject(e) : resolve())));
    }
  };
  await meteredWriter(send, desc, progress)(dest);
  assert.equal(Buffer.concat(dest.got).equals(blob), true);
  assert.equal(progress.total, blob.length);
});

it("meteredWriter fails a sender that writes too little or too much", async () => {
  const write = (b: Buffer) => async (w: Writable): Promise<void> => {
    await new Promise<void>((resolve) => w.write(b, () => resolve()));
  };
  await assert.rejects(meteredWriter(write(blob.subarray(0, 10)), desc, new ByteProgress(undefined, desc))(sink()), (e: unknown) => e instanceof SizeMismatchError && e.actual === 10);
  await assert.rejects(meteredWriter(write(Buffer.concat([blob, blob])), desc, new ByteProgress(undefined, desc))(sink()), (e: unknown) => e instanceof SizeMismatchError);
});
