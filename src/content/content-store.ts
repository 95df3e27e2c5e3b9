import { createHash } from "node:crypto";
import { createReadStream, type ReadStream } from "node:fs";
import { mkdir, open, readdir, readFile, rename, rm, stat, unlink } from "node:fs/promises";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { digestAlgorithm, digestEncoded, digestOf, isDigestAlgorithm, parseDigest, type Digest, type DigestAlgorithm } from "../oci/index.js";
import type { Writable } from "node:stream";
import { sendFileRange } from "./blob-sender.js";
import { BlobWriter, type BlobInfo, type CommitExpectations } from "./blob-writer.js";
import { BlobNotFoundError, DigestMismatchError, IngestLockedError } from "./errors.js";
import { fsyncDir } from "./fsync-dir.js";

/** Reads committed blobs. */
export interface BlobProvider {
  /** Size of a committed blob, or undefined when it is not stored. */
  info(digest: Digest): Promise<BlobInfo | undefined>;
  /** Bytes `start`..`end` (inclusive, as fs streams count) of a committed blob. */
  readStream(digest: Digest, range?: { start: number; end: number }): Promise<ReadStream>;
  readBytes(digest: Digest): Promise<Buffer>;
  /** Write a blob (or a range of it) into `dest`, which is left open. */
  send(digest: Digest, dest: Writable, range?: { start: number; end: number }): Promise<void>;
}

/** Starts and resumes ingests. */
export interface BlobIngester {
  writer(ref: string, opts?: { algorithm?: DigestAlgorithm }): Promise<BlobWriter>;
  putBytes(data: Uint8Array, expect?: CommitExpectations): Promise<BlobInfo>;
}

/**
 * A content-addressable blob store on a local filesystem.
 *
 * ```
 * <root>/blobs/<algorithm>/<encoded>   committed blobs: whole, verified, read-only
 * <root>/ingest/<key>/data             bytes of an ingest in progress (key = sha256 of its ref)
 * <root>/ingest/<key>/ref              the ref, for listing
 * ```
 *
 * An ingest becomes a blob only by an atomic rename after its digest was
 * verified, so a crash at any instant never leaves a blob visible under a
 * digest it does not match. Two writers of one digest (different refs) both
 * succeed and the blob is stored once. One ref has at most one writer at a time.
 */
export class ContentStore implements BlobProvider, BlobIngester {
  private readonly active = new Set<string>();

  constructor(readonly root: string) {}

  blobPath(digest: Digest): string {
    return join(this.root, "blobs", digestAlgorithm(digest), digestEncoded(digest));
  }

  async info(digest: Digest): Promise<BlobInfo | undefined> {
    try {
      const s = await stat(this.blobPath(digest));
      return { digest, size: s.size };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw e;
    }
  }

  async hasBlob(digest: Digest): Promise<boolean> {
    return (await this.info(digest)) !== undefined;
  }

  async readStream(digest: Digest, range?: { start: number; end: number }): Promise<ReadStream> {
    const path = this.blobPath(digest);
    // Open first so a missing blob is an error here rather than on the stream.
    const fh = await open(path, "r").catch((e: NodeJS.ErrnoException) => {
      throw e.code === "ENOENT" ? new BlobNotFoundError(digest) : e;
    });
    return createReadStream("", { fd: fh, highWaterMark: 1 << 20, ...(range ?? {}) });
  }

  /**
   * Write a committed blob, or bytes `start`..`end` of it, into `dest` (not
   * ended). Faster than readStream for large blobs: read buffers are reused.
   */
  async send(digest: Digest, dest: Writable, range?: { start: number; end: number }): Promise<void> {
    const info = await this.info(digest);
    if (!info) throw new BlobNotFoundError(digest);
    if (info.size === 0) return;
    await sendFileRange(this.blobPath(digest), dest, range?.start ?? 0, range?.end ?? info.size - 1);
  }

  async readBytes(digest: Digest): Promise<Buffer> {
    try {
      return await readFile(this.blobPath(digest));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") throw new BlobNotFoundError(digest);
      throw e;
    }
  }

  /** Open (or resume) the ingest named `ref`. Throws IngestLockedError if it has a writer. */
  async writer(ref: string, opts: { algorithm?: DigestAlgorithm } = {}): Promise<BlobWriter> {
    if (this.active.has(ref)) throw new IngestLockedError(ref);
    this.active.add(ref);
    try {
      const dir = this.ingestDir(ref);
      await mkdir(dir, { recursive: true });
      const refFile = join(dir, "ref");
      if (!(await stat(refFile).then(() => true, () => false))) await writeSmall(refFile, ref);
      return await BlobWriter.open(ref, { dir, data: join(dir, "data") }, (d) => this.blobPath(d), () => this.active.delete(ref), opts.algorithm);
    } catch (e) {
      this.active.delete(ref);
      throw e;
    }
  }

  /** Bytes written so far to an ingest, or undefined if there is none. */
  async ingestOffset(ref: string): Promise<number | undefined> {
    try {
      return (await stat(join(this.ingestDir(ref), "data"))).size;
    } catch {
      return undefined;
    }
  }

  async hasIngest(ref: string): Promise<boolean> {
    return stat(this.ingestDir(ref)).then(() => true, () => false);
  }

  /** Throw away an ingest; a no-op if there is none. */
  async abortIngest(ref: string): Promise<void> {
    if (this.active.has(ref)) throw new IngestLockedError(ref);
    await rm(this.ingestDir(ref), { recursive: true, force: true });
  }

  /**
   * Store bytes held in memory (manifests, small blobs) in one step: digest
   * first, then temp file + fsync + rename.
   */
  async putBytes(data: Uint8Array, expect: CommitExpectations = {}): Promise<BlobInfo> {
    const algorithm = expect.digest ? digestAlgorithm(expect.digest) : "sha256";
    const digest = digestOf(data, algorithm);
    if (expect.digest !== undefined && expect.digest !== digest) throw new DigestMismatchError("put", expect.digest, digest);
    const info = { digest, size: data.length };
    const target = this.blobPath(digest);
    if (await this.hasBlob(digest)) return info;
    const dir = join(this.root, "blobs", algorithm);
    await mkdir(dir, { recursive: true });
    const tmp = join(this.root, "ingest", `.put-${randomBytes(8).toString("hex")}`);
    await mkdir(join(this.root, "ingest"), { recursive: true });
    const fh = await open(tmp, "w", 0o444);
    try {
      await fh.writeFile(data);
      await fh.datasync();
    } finally {
      await fh.close();
    }
    await rename(tmp, target);
    await fsyncDir(dir);
    return info;
  }

  /** Every committed blob, in no particular order, with when it was committed. */
  async *walk(): AsyncIterable<BlobInfo & { readonly modified: Date }> {
    const blobs = join(this.root, "blobs");
    for (const alg of await readdir(blobs).catch(() => [] as string[])) {
      if (!isDigestAlgorithm(alg)) continue;
      for (const enc of await readdir(join(blobs, alg))) {
        let digest: Digest;
        try {
          digest = parseDigest(`${alg}:${enc}`);
        } catch {
          continue; // not ours (a stray file); fsck reports it
        }
        const s = await stat(join(blobs, alg, enc)).catch(() => undefined);
        if (s) yield { digest, size: s.size, modified: s.mtime };
      }
    }
  }

  /** Remove a committed blob. Returns false if it was not there. */
  async delete(digest: Digest): Promise<boolean> {
    try {
      await unlink(this.blobPath(digest));
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return false;
      throw e;
    }
  }

  /** Re-hash a blob; returns the digest its bytes have. */
  async verify(digest: Digest): Promise<Digest> {
    const hash = createHash(digestAlgorithm(digest));
    for await (const chunk of await this.readStream(digest)) hash.update(chunk as Buffer);
    return `${digestAlgorithm(digest)}:${hash.digest("hex")}` as Digest;
  }

  /** Ingests present on disk: their ref, size and last write time. */
  async listIngests(): Promise<{ ref: string; size: number; modified: Date }[]> {
    const dir = join(this.root, "ingest");
    const out: { ref: string; size: number; modified: Date }[] = [];
    for (const key of await readdir(dir).catch(() => [] as string[])) {
      if (key.startsWith(".")) continue;
      const ref = await readFile(join(dir, key, "ref"), "utf8").catch(() => undefined);
      const s = await stat(join(dir, key, "data")).catch(() => undefined);
      if (ref !== undefined) out.push({ ref, size: s?.size ?? 0, modified: s?.mtime ?? new Date(0) });
    }
    return out;
  }

  /** Remove leftovers of putBytes interrupted by a crash. */
  async removeStaleTemporaries(): Promise<number> {
    const dir = join(this.root, "ingest");
    let n = 0;
    for (const name of await readdir(dir).catch(() => [] as string[])) {
      if (name.startsWith(".put-")) {
        await unlink(join(dir, name)).catch(() => undefined);
        n++;
      }
    }
    return n;
  }

  private ingestDir(ref: string): string {
    return join(this.root, "ingest", createHash("sha256").update(ref).digest("hex").slice(0, 32));
  }
}

async function writeSmall(path: string, data: string): Promise<void> {
  const fh = await open(path, "w");
  try {
    await fh.writeFile(data);
  } finally {
    await fh.close();
  }
}

export type { BlobInfo, CommitExpectations };
