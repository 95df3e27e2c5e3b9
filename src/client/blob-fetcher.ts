import type { BlobWriter, BlobInfo, ContentStore } from "../content/index.js";
import { DigestMismatchError, SizeMismatchError } from "../content/index.js";
import { digestAlgorithm, distributionPath, type Descriptor } from "../oci/index.js";
import { repositoryScope } from "./auth/authenticator.js";
import { asCancelled, isRetryableError, TransportError } from "./errors.js";
import { worthPooling, type PooledBody } from "./internal/pooled-get.js";
import { ByteProgress, emitProgress, type ProgressListener } from "./progress.js";
import type { RegistryTransport } from "./registry-transport.js";
import { RegistryResponseError, displayUrl } from "./registry-response-error.js";
import { retryDelay, sleep, type RetryPolicy } from "./retry.js";

/** The part of a content store a download needs. */
export type BlobSink = Pick<ContentStore, "info" | "writer">;

/** Options for {@link fetchBlob}. */
export interface FetchBlobOptions {
  readonly signal?: AbortSignal;
  readonly onProgress?: ProgressListener;
}

// Bound on attempts for one blob, however much each makes progress.
const MAX_ATTEMPTS = 50;
// Downloads in flight, per store: a second fetch of one digest waits for the first.
const inFlight = new WeakMap<object, Map<string, Promise<BlobInfo>>>();

/** The ingest ref a download of `digest` uses, so that a later run finds and resumes it. */
export const fetchIngestRef = (digest: string): string => `fetch:${digest}`;

/** The blob's body read into pooled buffers (RegistryClient.openBlobPooled), or undefined to GET it through the transport. */
export type PooledBlobOpener = (signal?: AbortSignal) => Promise<PooledBody | undefined>;


/**
 * Download the blob `desc` of `repository` into `store`, verified: streamed
 * into the ingest `fetch:<digest>`, committed only when its size and digest
 * match the descriptor. A blob already stored is not fetched (`blob-exists`).
 * An ingest left by an earlier, interrupted run (even of another process) is
 * resumed: its bytes are re-hashed and only the rest is asked for with
 * `Range: bytes=<offset>-`; a server that answers 200 instead of 206 sends
 * the whole blob again and the ingest restarts from 0. Resets and premature
 * ends are retried with backoff from where they stopped. Bytes that do not
 * match throw DigestMismatchError (or SizeMismatchError) and leave nothing in
 * the store; when the mismatch may come from a resumed earlier session, the
 * blob is fetched once more from the start first. Cancelling keeps the bytes
 * received for a later resume.
 */
export async function fetchBlob(
  t: RegistryTransport,
  policy: RetryPolicy,
  repository: string,
  desc: Descriptor,
  store: BlobSink,
  opts: FetchBlobOptions = {},
  pooled?: PooledBlobOpener,
): Promise<BlobInfo> {
  let running = inFlight.get(store);
  if (running === undefined) inFlight.set(store, (running = new Map()));
  for (let p = running.get(desc.digest); p !== undefined; p = running.get(desc.digest)) await p.catch(() => undefined);
  const download = (async (): Promise<BlobInfo> => {
    const have = await store.info(desc.digest);
    if (have !== undefined) {
      emitProgress(opts.onProgress, { type: "blob-exists", digest: desc.digest, size: have.size });
      return have;
    }
    return new BlobDownload(t, policy, repository, desc, store, opts, pooled).run();
  })();
  running.set(desc.digest, download);
  try {
    return await download;
  } finally {
    running.delete(desc.digest);
  }
}

class BlobDownload {
  private readonly ref: string;
  private readonly path: string;
  private writer!: BlobWriter;
  /** True when every byte in the ingest was received by this download (nothing left from an earlier run). */
  private fresh = false;
  private progress!: ByteProgress;

  constructor(
    private readonly t: RegistryTransport,
    private readonly policy: RetryPolicy,
    private readonly repository: string,
    private readonly desc: Descriptor,
    private readonly store: BlobSink,
    private readonly opts: FetchBlobOptions,
    private readonly pooled: PooledBlobOpener | undefined,
  ) {
    this.ref = fetchIngestRef(desc.digest);
    this.path = distributionPath.blob(repository, desc.digest);
  }

  async run(): Promise<BlobInfo> {
    this.writer = await this.store.writer(this.ref, { algorithm: digestAlgorithm(this.desc.digest) });
    this.fresh = this.writer.offset === 0;
    this.progress = new ByteProgress(this.opts.onProgress, this.desc, this.writer.offset);
    emitProgress(this.opts.onProgress, { type: "blob-start", digest: this.desc.digest, size: this.desc.size, mediaType: this.desc.mediaType, offset: this.writer.offset });
    try {
      const info = await this.loop();
      this.progress.flush();
      emitProgress(this.opts.onProgress, { type: "blob-done", digest: info.digest, size: info.size });
      return info;
    } catch (e) {
      if (e instanceof DigestMismatchError || e instanceof SizeMismatchError) await this.writer.abort();
      else await this.writer.close().catch(() => undefined);
      throw asCancelled(e, this.opts.signal, `fetch ${this.desc.digest}`);
    }
  }

  private async loop(): Promise<BlobInfo> {
    let failures = 0;
    for (let attempt = 1; ; attempt++) {
      if (this.writer.offset > this.desc.size) await this.restart();
      if (this.writer.offset < this.desc.size) {
        const before = this.writer.offset;
        try {
          await this.receive();
        } catch (e) {
          if (e instanceof SizeMismatchError && !this.fresh) {
            await this.restart();
            continue;
          }
          if (!isRetryableError(e) || attempt >= MAX_ATTEMPTS) throw e;
          failures = this.writer.offset > before ? 1 : failures + 1;
          if (failures > this.policy.retries) throw e;
          emitProgress(this.opts.onProgress, { type: "blob-retry", digest: this.desc.digest, attempt: failures, error: (e as Error).message });
          await sleep(retryDelay(failures, this.policy), this.opts.signal, `fetch ${this.desc.digest}`);
          continue;
        }
        if (this.writer.offset < this.desc.size) continue;
      }
      try {
        return await this.writer.commit({ digest: this.desc.digest, size: this.desc.size });
      } catch (e) {
        const integrity = e instanceof DigestMismatchError || e instanceof SizeMismatchError;
        // Bytes of an earlier session may be the bad ones: try once more with only our own.
        if (!integrity || this.fresh) throw e;
        await this.restart();
      }
    }
  }

  /** One GET from the ingest's offset to the end (or until the connection fails). */
  private async receive(): Promise<void> {
    const start = this.writer.offset;
    // A whole large blob from the start: pooled when the client can (a resume takes the transport, with Range).
    const body = start === 0 && worthPooling(this.desc.size) ? await this.pooled?.(this.opts.signal) : undefined;
    if (body !== undefined) return this.receivePooled(body);
    let res;
    try {
      res = await this.t.send({
        method: "GET",
        url: this.path,
        headers: start > 0 ? { range: `bytes=${start}-` } : {},
        scopes: [repositoryScope(this.repository, "pull")],
        expect: [200, 206],
        ...(this.opts.signal && { signal: this.opts.signal }),
      });
    } catch (e) {
      if (start > 0 && e instanceof RegistryResponseError && e.status === 416) {
        await this.restart();
        return;
      }
      throw e;
    }
    if (res.status === 206 && contentRangeStart(res.header("content-range")) !== start) {
      res.discard();
      await this.restart();
      return;
    }
    // 200 to a Range request: the server sends the whole blob, so start over with this body.
    if (res.status === 200 && start > 0) await this.restart();
    const remaining = this.desc.size - this.writer.offset;
    let received = 0;
    try {
      for await (const chunk of res.body) {
        const b = chunk as Buffer;
        received += b.length;
        if (received > remaining) {
          res.body.destroy();
          throw new SizeMismatchError(this.ref, this.desc.size, this.desc.size - remaining + received);
        }
        await this.writer.write(b);
        this.progress.add(b.length);
      }
    } catch (e) {
      if (e instanceof SizeMismatchError || this.opts.signal?.aborted) throw e;
      throw new TransportError("GET", displayUrl(res.url), e);
    }
    if (received < remaining) {
      const early = Object.assign(new Error(`body ended after ${this.writer.offset} of ${this.desc.size} bytes`), { code: "ERR_STREAM_PREMATURE_CLOSE" });
      throw new TransportError("GET", displayUrl(res.url), early);
    }
  }

  /**
   * The whole blob from a pooled GET into the ingest, one chunk at a time
   * (the writer hashes it and gathers chunks into batches, so reading
   * pauses until it took each). The writer keeps the chunks it was given
   * until it flushes them: buffers go back to the pool only then, and never
   * after a failure (the ingest may still hold them unwritten, for the resume).
   */
  private async receivePooled(body: PooledBody): Promise<void> {
    body.sized(this.desc.size, this.ref);
    const held: (() => void)[] = [];
    let failed: unknown;
    // One write at a time: a write may flush, and two flushes must not overlap.
    let lastWrite: Promise<void> = Promise.resolve();
    try {
      await body.deliver((chunk, release) => {
        held.push(release);
        lastWrite = this.writer.write(chunk).then(() => {
          this.progress.add(chunk.length);
          if (this.writer.unflushed === 0) for (const r of held.splice(0)) r();
          body.resume();
        }, (e: unknown) => {
          failed = e;
          body.destroy();
        });
        return false;
      });
      await lastWrite;
      if (failed !== undefined) throw failed;
      await this.writer.flush();
      for (const r of held.splice(0)) r();
    } catch (e) {
      await lastWrite;
      if (failed !== undefined) throw failed;
      if (e instanceof SizeMismatchError || this.opts.signal?.aborted) throw e;
      throw new TransportError("GET", displayUrl(this.t.url(this.path)), e);
    }
  }

  /** Throw the ingest's bytes away and start again from 0. */
  private async restart(): Promise<void> {
    await this.writer.abort();
    this.writer = await this.store.writer(this.ref, { algorithm: digestAlgorithm(this.desc.digest) });
    this.fresh = true;
    this.progress.reset(0);
  }
}

function contentRangeStart(v: string | undefined): number | undefined {
  const m = /^bytes (\d+)-\d+\/(?:\d+|\*)$/.exec(v?.trim() ?? "");
  return m ? Number(m[1]) : undefined;
}
