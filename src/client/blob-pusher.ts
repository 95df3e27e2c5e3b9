import type { Readable, Writable } from "node:stream";
import { DigestMismatchError, SizeMismatchError } from "../content/index.js";
import { BerthError, digestAlgorithm, digestOf, distributionPath, type Descriptor, type Digest } from "../oci/index.js";
import { repositoryScope } from "./auth/authenticator.js";
import { asCancelled, isRetryableError } from "./errors.js";
import type { BodyWriter, HttpResponse } from "./http-transport.js";
import { readBody } from "./internal/read-body.js";
import { settleBoth } from "./internal/settle-both.js";
import { PooledBody, worthPooling } from "./internal/pooled-get.js";
import { meteredCopy, meteredWriter, pooledCopy } from "./internal/upload-body.js";
import { ByteProgress, emitProgress, type ProgressListener } from "./progress.js";
import type { RegistryTransport } from "./registry-transport.js";
import { RegistryResponseError, displayUrl, isBodyRefusal } from "./registry-response-error.js";
import { isRetryableStatus, retryDelay, sleep, type RetryPolicy } from "./retry.js";

/** Where pushed bytes come from: a content store (it fits as is), or another registry when copying. */
export interface BlobSource {
  /** The blob's bytes, or bytes `start`..`end` (inclusive) of it; `signal` stops a remote read. */
  readStream(digest: Digest, range?: { start: number; end: number }, signal?: AbortSignal): Promise<Readable>;
  /**
   * Write the whole blob into `dest` (not ending it), resolving when the last write's callback
   * ran; a source that can (a content store) reuses its buffers. Used instead of readStream for
   * large blobs when the bytes need no verifying on the way.
   */
  send?(digest: Digest, dest: Writable): Promise<void>;
  /**
   * The blob's body on a connection of its own, read into pooled buffers
   * (another registry spoken to in plain HTTP); undefined when this source
   * cannot give it so (HTTPS, a redirect, a challenge): readStream then.
   * Used for large blobs.
   */
  openPooled?(digest: Digest, signal?: AbortSignal): Promise<PooledBody | undefined>;
}

/** Options for {@link pushBlob}. */
export interface PushBlobOptions {
  /** Repositories of the same registry to mount the blob from, tried in order before uploading. */
  readonly mountFrom?: readonly string[];
  readonly signal?: AbortSignal;
  readonly onProgress?: ProgressListener;
  /** Hash the bytes on the way and cancel the upload when they do not match: for sources that did not verify them. */
  readonly verify?: boolean;
}

/** How a blob came to be at the destination. */
export type PushBlobOutcome = "exists" | "mounted" | "uploaded";

// Blobs up to this size are read into memory and sent in one PUT that the transport may replay;
// from a source that can send (a content store), only those up to SEND_MIN are.
const IN_MEMORY_MAX = 4 << 20;
const SEND_MIN = 64 << 10;
// Registries that refused a streamed PUT with a body: their uploads go as PATCH + PUT from then on.
const refusesStreamedPut = new WeakSet<RegistryTransport>();

/**
 * Make the blob `desc` present in `repository`: nothing when the registry has
 * it already (HEAD), else a cross-repository mount from `mountFrom`, else an
 * upload: POST, then one PUT `?digest=` carrying the bytes (read into memory
 * for small blobs; for large ones streamed from the source, or written by its
 * `send` when it has one and nothing is to be verified). A registry that
 * refuses a streamed PUT with a body (400 other than a digest or size error,
 * 405, 411, 413, 415, 416, 501) gets a streamed PATCH and a PUT instead, for
 * this blob and the ones after it. Upload Locations may be relative or
 * absolute and may carry their own query. A failed upload is retried from a
 * new session with backoff, after checking that the lost answer did not hide
 * a success. With `verify`, bytes that do not match the digest throw
 * DigestMismatchError: the last chunk is held back until the digest is known,
 * so the registry never receives a complete body with wrong bytes, and the
 * session is cancelled (the registry checks the digest on PUT as well).
 */
export async function pushBlob(
  t: RegistryTransport,
  policy: RetryPolicy,
  repository: string,
  desc: Descriptor,
  source: BlobSource,
  opts: PushBlobOptions = {},
): Promise<PushBlobOutcome> {
  try {
    return await new BlobUpload(t, policy, repository, desc, source, opts).run();
  } catch (e) {
    throw asCancelled(e, opts.signal, `push ${desc.digest}`);
  }
}

class BlobUpload {
  private readonly scopes: readonly string[];
  private readonly from: readonly string[];
  private readonly progress: ByteProgress;

  constructor(
    private readonly t: RegistryTransport,
    private readonly policy: RetryPolicy,
    private readonly repository: string,
    private readonly desc: Descriptor,
    private readonly source: BlobSource,
    private readonly opts: PushBlobOptions,
  ) {
    this.from = (opts.mountFrom ?? []).filter((r) => r !== repository).slice(0, 8);
    this.scopes = [repositoryScope(repository, "pull,push"), ...this.from.map((r) => repositoryScope(r, "pull"))];
    this.progress = new ByteProgress(opts.onProgress, desc);
  }

  async run(): Promise<PushBlobOutcome> {
    const { digest, size } = this.desc;
    if (await this.exists()) {
      emitProgress(this.opts.onProgress, { type: "blob-exists", digest, size });
      return "exists";
    }
    let location = await this.mount();
    if (location === "mounted") return "mounted";
    emitProgress(this.opts.onProgress, { type: "blob-start", digest, size, mediaType: this.desc.mediaType, offset: 0 });
    for (let attempt = 1; ; attempt++) {
      try {
        // The source opens while the session starts (and, before a streamed body, while the
        // registry's challenge is learnt): round trips side by side instead of one after another.
        const session = Promise.all([
          location ?? this.startSession(),
          size > SEND_MIN ? this.t.prepareStream(this.opts.signal) : undefined,
        ]).then(([url]) => url);
        const sender = this.sender();
        const opened: Promise<Readable | PooledBody | BodyWriter> = sender ? Promise.resolve(sender) : this.open();
        const [url, src] = await settleBoth(session, opened, (r) => (typeof r === "function" ? undefined : r.destroy()));
        location = url;
        if ((await this.upload(url, src)) === "refused") {
          // Not a failure of the transfer: the same attempt again, as PATCH + PUT.
          location = undefined;
          this.progress.reset(0);
          attempt--;
          continue;
        }
        this.progress.flush();
        emitProgress(this.opts.onProgress, { type: "blob-done", digest, size });
        return "uploaded";
      } catch (e) {
        location = undefined;
        if (e instanceof DigestMismatchError || e instanceof SizeMismatchError || this.opts.signal?.aborted) throw e;
        // The answer to a finished upload may be what was lost (and a retried PUT then finds no session).
        if (await this.exists().catch(() => false)) {
          emitProgress(this.opts.onProgress, { type: "blob-done", digest, size });
          return "uploaded";
        }
        const again = isRetryableError(e) || (e instanceof RegistryResponseError && isRetryableStatus(e.status));
        if (!again || attempt > this.policy.retries) throw e;
        emitProgress(this.opts.onProgress, { type: "blob-retry", digest, attempt, error: (e as Error).message });
        this.progress.reset(0);
        await sleep(retryDelay(attempt, this.policy), this.opts.signal, `push ${digest}`);
      }
    }
  }

  private async exists(): Promise<boolean> {
    const res = await this.t.send({ method: "HEAD", url: distributionPath.blob(this.repository, this.desc.digest), scopes: this.scopes, expect: [200, 404], ...this.signal() });
    res.discard();
    return res.status === 200;
  }

  /** Try each mount source; "mounted", or the upload session a refused mount opened, or undefined. */
  private async mount(): Promise<"mounted" | URL | undefined> {
    for (const from of this.from) {
      const query = new URLSearchParams({ mount: this.desc.digest, from });
      const res = await this.t.send({ method: "POST", url: `${distributionPath.uploads(this.repository)}?${query}`, scopes: this.scopes, expect: [201, 202], ...this.signal() });
      if (res.status === 201) {
        res.discard();
        emitProgress(this.opts.onProgress, { type: "blob-mounted", digest: this.desc.digest, size: this.desc.size, from });
        return "mounted";
      }
      // Only the first refusal's session is used: each POST opens one, and one is enough.
      return this.sessionUrl(res);
    }
    return undefined;
  }

  private async startSession(): Promise<URL> {
    const res = await this.t.send({ method: "POST", url: distributionPath.uploads(this.repository), scopes: this.scopes, expect: [202], ...this.signal() });
    return this.sessionUrl(res);
  }

  /** The blob from the source: pooled when it can (a large blob from another registry), else as a stream. */
  private async open(): Promise<Readable | PooledBody> {
    const { digest, size } = this.desc;
    const pooled = worthPooling(size) ? await this.source.openPooled?.(digest, this.opts.signal) : undefined;
    return pooled ?? this.source.readStream(digest, undefined, this.opts.signal);
  }

  /** The source's send, for a large blob whose bytes need no verifying on the way. */
  private sender(): BodyWriter | undefined {
    const source = this.source;
    if (source.send === undefined || this.opts.verify || this.desc.size <= SEND_MIN) return undefined;
    return meteredWriter((dest) => source.send!(this.desc.digest, dest), this.desc, this.progress);
  }

  /**
   * Send `src` (the whole blob opened for this attempt, always consumed or destroyed; or a writer
   * of it) to the session at `location`; "refused" when the registry would not take a PUT with a body.
   */
  private async upload(location: URL, src: Readable | PooledBody | BodyWriter): Promise<"sent" | "refused"> {
    if (typeof src !== "function" && !(src instanceof PooledBody) && this.desc.size <= IN_MEMORY_MAX) {
      const bytes = await this.readSmall(src);
      const res = await this.t.send({
        method: "PUT", url: withDigest(location, this.desc.digest), body: bytes, headers: { "content-type": "application/octet-stream" },
        scopes: this.scopes, expect: [201, 204], ...this.signal(),
      });
      res.discard();
      this.progress.add(bytes.length);
      return "sent";
    }
    const streamedPut = !refusesStreamedPut.has(this.t);
    let sent: HttpResponse;
    try {
      // One PUT with the body, as containerd pushes: a round trip less than PATCH + PUT, and the
      // registry commits as it finishes writing (distribution then stores no hash state in between).
      sent = await this.t.send({
        method: streamedPut ? "PUT" : "PATCH",
        url: streamedPut ? withDigest(location, this.desc.digest) : location,
        body: typeof src === "function" ? src
          : src instanceof PooledBody ? pooledCopy(src, this.desc, this.progress, this.opts.verify === true)
          : meteredCopy(src, this.desc, this.progress, this.opts.verify === true),
        headers: {
          "content-type": "application/octet-stream", "content-length": String(this.desc.size),
          ...(!streamedPut && { "content-range": `0-${this.desc.size - 1}` }),
        },
        scopes: this.scopes, expect: streamedPut ? [201, 204] : [202, 204], ...this.signal(),
      });
    } catch (e) {
      if (e instanceof DigestMismatchError || e instanceof SizeMismatchError) await this.cancel(location);
      if (!streamedPut || !isBodyRefusal(e)) throw e;
      refusesStreamedPut.add(this.t);
      return "refused";
    } finally {
      // A failed request leaves the source unread: close it (for a remote source, its connection).
      if (src instanceof PooledBody) src.destroy();
      else if (typeof src !== "function" && !src.readableEnded) src.destroy();
    }
    if (streamedPut) {
      sent.discard();
      return "sent";
    }
    const next = sent.header("location") === undefined ? location : this.sessionUrl(sent);
    sent.discard();
    const res = await this.t.send({ method: "PUT", url: withDigest(next, this.desc.digest), scopes: this.scopes, expect: [201, 204], ...this.signal() });
    res.discard();
    return "sent";
  }

  private async readSmall(src: Readable): Promise<Buffer> {
    const { digest, size } = this.desc;
    const ref = `push ${digest}`;
    const bytes = await readBody(src, size, (n) => new SizeMismatchError(ref, size, n));
    if (bytes.length !== size) throw new SizeMismatchError(ref, size, bytes.length);
    if (this.opts.verify) {
      const actual = digestOf(bytes, digestAlgorithm(digest));
      if (actual !== digest) throw new DigestMismatchError(ref, digest, actual);
    }
    return bytes;
  }

  /** Cancel the upload session (best effort): bytes that failed their digest leave nothing behind. */
  private async cancel(session: URL): Promise<void> {
    const res = await this.t.send({ method: "DELETE", url: session, scopes: this.scopes, expect: [204, 202, 200, 404] }).catch(() => undefined);
    res?.discard();
  }

  private sessionUrl(res: HttpResponse): URL {
    const location = res.header("location");
    res.discard();
    if (location === undefined || location === "") {
      throw new BerthError("UNAVAILABLE", `POST ${displayUrl(res.url)}: ${res.status} without a Location header`, { hint: "the registry does not follow the distribution spec here" });
    }
    return new URL(location, res.url);
  }

  private signal(): { signal?: AbortSignal } {
    return this.opts.signal ? { signal: this.opts.signal } : {};
  }
}

/** The upload URL with `digest=` added to whatever query it has. */
export function withDigest(location: URL, digest: Digest): URL {
  const u = new URL(location);
  u.searchParams.set("digest", digest);
  return u;
}
