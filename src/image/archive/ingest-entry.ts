import { randomUUID } from "node:crypto";
import { Digester, digestAlgorithm, type Digest } from "../../oci/index.js";
import { DigestMismatchError, SizeMismatchError, type BlobIngester, type BlobProvider } from "../../content/index.js";
import { ArchiveEntryError } from "./errors.js";
import { SNIFF_BYTES } from "./layer-compression.js";

/** A file of an archive, committed to the content store. */
export interface StoredEntry {
  readonly digest: Digest;
  readonly size: number;
  /** Its first bytes, to tell a layer's compression. */
  readonly head: Buffer;
}

/** What an ingest is checked against before it becomes visible. */
export interface EntryExpectations {
  readonly digest?: Digest;
  readonly size?: number;
}

/**
 * Stream `body` (the bytes of archive entry `entry`) into the content store.
 * With `expect.digest` the blob becomes visible only if its bytes hash to it
 * (a blob already stored is not written again, but the bytes are still
 * hashed and checked); without, it is committed under the digest its bytes
 * have. A mismatch throws ArchiveEntryError (FAILED_PRECONDITION) naming the
 * entry, and nothing is committed. An ingest that fails leaves nothing behind.
 */
export async function ingestEntry(
  store: BlobProvider & BlobIngester, entry: string, body: AsyncIterable<Uint8Array>, expect: EntryExpectations = {},
): Promise<StoredEntry> {
  const head = new HeadCollector();
  if (expect.digest !== undefined && (await store.info(expect.digest)) !== undefined) {
    const d = new Digester(digestAlgorithm(expect.digest));
    let size = 0;
    for await (const chunk of body) {
      d.update(chunk);
      head.add(chunk);
      size += chunk.length;
    }
    const actual = d.digest();
    if (actual !== expect.digest) throw mismatch(entry, `its bytes have digest ${actual}, but its name says ${expect.digest}`);
    return { digest: actual, size, head: head.bytes() };
  }
  const writer = await store.writer(`import:${randomUUID()}:${entry}`, expect.digest ? { algorithm: digestAlgorithm(expect.digest) } : {});
  try {
    for await (const chunk of body) {
      head.add(chunk);
      await writer.write(chunk);
    }
  } catch (e) {
    await writer.abort();
    throw e;
  }
  try {
    const info = await writer.commit(expect);
    return { ...info, head: head.bytes() };
  } catch (e) {
    // commit removes the ingest itself when the bytes are wrong.
    if (e instanceof DigestMismatchError) throw mismatch(entry, `its bytes have digest ${e.actual}, but its name says ${e.expected}`, e);
    if (e instanceof SizeMismatchError) throw mismatch(entry, `has ${e.actual} bytes, but ${e.expected} were expected`, e);
    await writer.abort().catch(() => undefined);
    throw e;
  }
}

const mismatch = (entry: string, reason: string, cause?: unknown): ArchiveEntryError =>
  new ArchiveEntryError(entry, reason, {
    code: "FAILED_PRECONDITION",
    cause,
    hint: "the archive is corrupt or was altered; save or copy the image again",
  });

/** Keeps the first SNIFF_BYTES bytes of a stream. */
class HeadCollector {
  private readonly buf = Buffer.alloc(SNIFF_BYTES);
  private n = 0;
  add(chunk: Uint8Array): void {
    if (this.n >= SNIFF_BYTES) return;
    const take = Math.min(SNIFF_BYTES - this.n, chunk.length);
    this.buf.set(chunk.subarray(0, take), this.n);
    this.n += take;
  }
  bytes(): Buffer {
    return this.buf.subarray(0, this.n);
  }
}
