import { Transform, type Readable } from "node:stream";
import { DigestMismatchError, SizeMismatchError } from "../content/index.js";
import { BerthError, Digester, digestAlgorithm, digestOf, distributionPath, type Descriptor, type Digest } from "../oci/index.js";
import { repositoryScope } from "./auth/authenticator.js";
import { asCancelled, isRetryableError } from "./errors.js";
import type { HttpResponse } from "./http-transport.js";
import { readBody } from "./internal/read-body.js";
import { settleBoth } from "./internal/settle-both.js";
import { ByteProgress, emitProgress, type ProgressListener } from "./progress.js";
import type { RegistryTransport } from "./registry-transport.js";
import { RegistryResponseError, displayUrl } from "./registry-response-error.js";
import { isRetryableStatus, retryDelay, sleep, type RetryPolicy } from "./retry.js";

/** Where pushed bytes come from: a content store (it fits as is), or another registry when copying. */
export interface BlobSource {
  /** The blob's bytes, or bytes `start`..`end` (inclusive) of it; `signal` stops a remote read. */
  readStream(digest: Digest, range?: { start: number; end: number }, signal?: AbortSignal): Promise<Readable>;
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

// Blobs up to this size go in one PUT; larger ones are streamed in one PATCH, then a PUT.
const MONOLITHIC_MAX = 4 << 20;
const METER_HIGH_WATER_MARK = 1 << 20;

/**
 * Make the blob `desc` present in `repository`: nothing when the registry has
 * it already (HEAD), else a cross-repository mount from `mountFrom`, else an
 * upload (POST, then PUT with the bytes for small blobs, or a streamed PATCH
 * and a PUT for large ones). Upload Locations may be relative or absolute and
 * may carry their own query. A failed upload is retried from a new session
 * with backoff, after checking that the lost answer did not hide a success.
 * With `verify`, bytes that do not match the digest throw DigestMismatchError
 * and the upload is cancelled (the registry checks the digest on PUT as well).
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
        // The source opens while the session starts (and, before a streamed PATCH, while the
        // registry's challenge is learnt): round trips side by side instead of one after another.
        const session = Promise.all([
          location ?? this.startSession(),
          size > MONOLITHIC_MAX ? this.t.prepareStream(this.opts.signal) : undefined,
        ]).then(([url]) => url);
        const [url, src] = await settleBoth(session, this.source.readStream(digest, undefined, this.opts.signal), (r) => r.destroy());
        location = url;
        await this.upload(url, src);
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

  /** Send `src` (the whole blob, opened for this attempt; always consumed or destroyed) to the session at `location`. */
  private async upload(location: URL, src: Readable): Promise<void> {
    if (this.desc.size <= MONOLITHIC_MAX) {
      const bytes = await this.readSmall(src);
      const res = await this.t.send({
        method: "PUT", url: withDigest(location, this.desc.digest), body: bytes, headers: { "content-type": "application/octet-stream" },
        scopes: this.scopes, expect: [201, 204], ...this.signal(),
      });
      res.discard();
      this.progress.add(bytes.length);
      return;
    }
    const hasher = this.opts.verify ? new Digester(digestAlgorithm(this.desc.digest)) : undefined;
    let patched: HttpResponse;
    try {
      patched = await this.t.send({
        method: "PATCH", url: location, body: this.meter(src, hasher),
        headers: { "content-type": "application/octet-stream", "content-length": String(this.desc.size), "content-range": `0-${this.desc.size - 1}` },
        scopes: this.scopes, expect: [202, 204], ...this.signal(),
      });
    } finally {
      // A failed request leaves the source unread: close it (for a remote source, its connection).
      if (!src.readableEnded) src.destroy();
    }
    const next = patched.header("location") === undefined ? location : this.sessionUrl(patched);
    patched.discard();
    if (hasher !== undefined) await this.check(hasher.digest(), next);
    const res = await this.t.send({ method: "PUT", url: withDigest(next, this.desc.digest), scopes: this.scopes, expect: [201, 204], ...this.signal() });
    res.discard();
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

  /** Count (and maybe hash) the bytes going out; more than the descriptor's size fails the stream. */
  private meter(src: Readable, hasher: Digester | undefined): Readable {
    const { digest, size } = this.desc;
    let n = 0;
    const progress = this.progress;
    const meter = new Transform({
      // Chunks from a socket are up to 64 KiB: with the default 16 KiB mark every chunk would pause the source.
      highWaterMark: METER_HIGH_WATER_MARK,
      transform(chunk: Buffer, _enc, done) {
        n += chunk.length;
        if (n > size) return done(new SizeMismatchError(`push ${digest}`, size, n));
        hasher?.update(chunk);
        progress.add(chunk.length);
        done(null, chunk);
      },
    });
    src.on("error", (e) => meter.destroy(e));
    return src.pipe(meter);
  }

  private async check(actual: Digest, session: URL): Promise<void> {
    if (actual === this.desc.digest) return;
    const res = await this.t.send({ method: "DELETE", url: session, scopes: this.scopes, expect: [204, 202, 200, 404] }).catch(() => undefined);
    res?.discard();
    throw new DigestMismatchError(`push ${this.desc.digest}`, this.desc.digest, actual);
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

