import { createHash, type Hash } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, open, rename, rm, stat, type FileHandle } from "node:fs/promises";
import { dirname } from "node:path";
import { digestAlgorithm, type Digest, type DigestAlgorithm } from "../oci/index.js";
import { DigestMismatchError, SizeMismatchError } from "./errors.js";
import { fsyncDir } from "./fsync-dir.js";

/** Where one ingest lives on disk. */
export interface IngestPaths {
  readonly dir: string;
  readonly data: string;
}

/** What commit checks before the blob becomes visible. */
export interface CommitExpectations {
  readonly digest?: Digest;
  readonly size?: number;
}

export interface BlobInfo {
  readonly digest: Digest;
  readonly size: number;
}

// Writes are gathered into buffers this large: fewer syscalls through the thread pool.
const WRITE_BATCH = 1 << 20;
// Data is flushed to disk in the background every this many bytes, so the
// fsync at commit has little left to do and overlaps with receiving.
const SYNC_EVERY = 32 << 20;

/**
 * One ingest in progress: bytes appended in order, hashed as they arrive,
 * made visible under their digest only by commit(). Lifecycle:
 * open (ContentStore.writer) → write* → commit() | close() (keep for resume) | abort().
 * A writer is not safe for concurrent use; the store hands out one per ref.
 */
export class BlobWriter {
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private written: number;
  private unsynced = 0;
  private syncs: Promise<void>[] = [];
  private finished = false;

  private constructor(
    readonly ref: string,
    private readonly paths: IngestPaths,
    private readonly fh: FileHandle,
    private hash: Hash,
    private algorithm: DigestAlgorithm,
    offset: number,
    private readonly blobPath: (d: Digest) => string,
    private readonly release: () => void,
  ) {
    this.written = offset;
  }

  /** Open or resume an ingest; the bytes already on disk are re-hashed. */
  static async open(
    ref: string,
    paths: IngestPaths,
    blobPath: (d: Digest) => string,
    release: () => void,
    algorithm: DigestAlgorithm = "sha256",
  ): Promise<BlobWriter> {
    await mkdir(paths.dir, { recursive: true });
    const fh = await open(paths.data, "a+");
    try {
      const { size } = await fh.stat();
      const hash = createHash(algorithm);
      if (size > 0) await hashFile(paths.data, hash);
      return new BlobWriter(ref, paths, fh, hash, algorithm, size, blobPath, release);
    } catch (e) {
      await fh.close();
      throw e;
    }
  }

  /** Bytes accepted so far (including those of an earlier session of this ingest). */
  get offset(): number {
    return this.written + this.pendingBytes;
  }

  /**
   * Bytes accepted but not yet written to the file: write() keeps the
   * chunks it is given (not copies) until then, so a caller that reuses its
   * buffers may do so once this is 0.
   */
  get unflushed(): number {
    return this.pendingBytes;
  }

  /** The digest of the bytes accepted so far. */
  digest(): Digest {
    return `${this.algorithm}:${this.hash.copy().digest("hex")}` as Digest;
  }

  async write(chunk: Uint8Array): Promise<void> {
    this.hash.update(chunk);
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    if (this.pendingBytes >= WRITE_BATCH) await this.flush();
  }

  /**
   * Append a whole stream. With `limit`, more bytes than that fail the write
   * (the bytes taken so far stay in the ingest).
   */
  async writeStream(src: AsyncIterable<Uint8Array>, limit?: number): Promise<number> {
    let n = 0;
    for await (const chunk of src) {
      n += chunk.length;
      if (limit !== undefined && n > limit) throw new SizeMismatchError(this.ref, limit, n);
      await this.write(chunk);
    }
    return n;
  }

  /** Write buffered bytes to the file. */
  async flush(): Promise<void> {
    if (this.pendingBytes === 0) return;
    const bufs = this.pending;
    const n = this.pendingBytes;
    this.pending = [];
    this.pendingBytes = 0;
    let off = 0;
    while (off < n) {
      const { bytesWritten } = await this.fh.writev(off === 0 ? bufs : sliceBuffers(bufs, off));
      off += bytesWritten;
    }
    this.written += n;
    this.unsynced += n;
    if (this.unsynced >= SYNC_EVERY) {
      this.unsynced = 0;
      this.syncs.push(this.fh.datasync());
    }
  }

  /**
   * Verify and publish. On success the blob is visible under its digest and
   * the ingest is gone; on a mismatch nothing is published and the ingest is
   * removed (its bytes are known bad).
   */
  async commit(expect: CommitExpectations = {}): Promise<BlobInfo> {
    this.assertOpen();
    await this.flush();
    const size = this.written;
    if (expect.size !== undefined && expect.size !== size) {
      await this.abort();
      throw new SizeMismatchError(this.ref, expect.size, size);
    }
    let digest = this.digest();
    if (expect.digest !== undefined && digestAlgorithm(expect.digest) !== this.algorithm) {
      const other = createHash(digestAlgorithm(expect.digest));
      await hashFile(this.paths.data, other);
      digest = `${digestAlgorithm(expect.digest)}:${other.digest("hex")}` as Digest;
    }
    if (expect.digest !== undefined && expect.digest !== digest) {
      await this.abort();
      throw new DigestMismatchError(this.ref, expect.digest, digest);
    }
    await Promise.all(this.syncs);
    await this.fh.datasync();
    await this.fh.close();
    this.finished = true;
    try {
      const target = this.blobPath(digest);
      const exists = await stat(target).then(() => true, () => false);
      if (!exists) {
        await mkdir(dirname(target), { recursive: true });
        // rename is atomic: a reader sees no blob or the whole verified blob.
        await rename(this.paths.data, target);
        await fsyncDir(dirname(target));
      }
      await rm(this.paths.dir, { recursive: true, force: true });
    } finally {
      this.release();
    }
    return { digest, size };
  }

  /** Stop writing; the bytes stay on disk so the ingest can be resumed. */
  async close(): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    try {
      await this.flush();
      await Promise.all(this.syncs);
      await this.fh.close();
    } finally {
      this.release();
    }
  }

  /** Stop writing and throw the bytes away. */
  async abort(): Promise<void> {
    if (!this.finished) {
      this.finished = true;
      await Promise.allSettled(this.syncs);
      await this.fh.close().catch(() => undefined);
      this.release();
    }
    await rm(this.paths.dir, { recursive: true, force: true });
  }

  private assertOpen(): void {
    if (this.finished) throw new Error(`ingest ${this.ref}: writer already closed`);
  }
}

function sliceBuffers(bufs: Uint8Array[], skip: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const b of bufs) {
    if (skip >= b.length) {
      skip -= b.length;
      continue;
    }
    out.push(skip > 0 ? b.subarray(skip) : b);
    skip = 0;
  }
  return out;
}

async function hashFile(path: string, hash: Hash): Promise<void> {
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
}

