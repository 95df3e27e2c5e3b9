import type { Readable } from "node:stream";
import type { BlobInfo } from "../content/index.js";
import { digestOf, distributionPath, parseDigest, parseRepositoryName, type Descriptor, type Digest } from "../oci/index.js";
import { Authenticator, repositoryScope } from "./auth/authenticator.js";
import { loadCredentials, type Credentials } from "./auth/docker-config.js";
import { fetchBlob, type BlobSink, type FetchBlobOptions } from "./blob-fetcher.js";
import { pushBlob, type BlobSource, type PushBlobOptions, type PushBlobOutcome } from "./blob-pusher.js";
import { asCancelled, TransportError } from "./errors.js";
import { NodeHttpTransport, type HttpTransport } from "./http-transport.js";
import { openPooledGet, type PooledBody } from "./internal/pooled-get.js";
import { fetchManifest, parseManifestReference, resolveManifest, type FetchedManifest, type FetchManifestOptions } from "./manifest-fetcher.js";
import { registryEndpoint, type RegistryEndpoint } from "./registry-endpoint.js";
import { displayUrl } from "./registry-response-error.js";
import { RegistryTransport } from "./registry-transport.js";
import { retryPolicy, type RetryOptions, type RetryPolicy } from "./retry.js";
import { listTags, type ListTagsOptions } from "./tag-lister.js";

/** Where credentials come from: called at most once per client, when the registry first asks. */
export type CredentialSource = () => Promise<Credentials | undefined>;

/** Options for {@link RegistryClient}. */
export interface RegistryClientOptions {
  /** Credentials or their source; default: docker's config.json (see loadCredentials). `{}` means anonymous. */
  readonly credentials?: Credentials | CredentialSource;
  /** Speak plain HTTP (loopback hosts always do). */
  readonly insecure?: boolean;
  /** Hosts spoken to in plain HTTP, for this registry and for token realms and redirects. */
  readonly insecureRegistries?: readonly string[];
  /** Default "berth (node <version>)". */
  readonly userAgent?: string;
  /** Default: one NodeHttpTransport shared by every client that is given none. */
  readonly transport?: HttpTransport;
  readonly retry?: RetryOptions;
}

/** Signal for a short call. */
export interface CallOptions {
  readonly signal?: AbortSignal;
}

let shared: NodeHttpTransport | undefined;

/**
 * A client of one OCI distribution registry (`docker.io`, `localhost:5000`):
 * the composable operations beneath pullImage, pushImage and copyImage.
 * Repository names and references are checked before they go into a URL
 * (InvalidArgumentError). Authentication, retries and redirects happen
 * inside (see RegistryTransport); failures are BerthErrors:
 * RegistryResponseError for an error status, TransportError for the
 * network, CancelledError when a signal aborts.
 */
export class RegistryClient {
  readonly endpoint: RegistryEndpoint;
  private readonly t: RegistryTransport;
  private readonly policy: RetryPolicy;
  /** Large blobs may bypass the transport (openBlobPooled) only when it is berth's own: a transport given is used for every byte. */
  private readonly ownTransport: boolean;

  constructor(
    readonly host: string,
    opts: RegistryClientOptions = {},
  ) {
    this.endpoint = registryEndpoint(host, opts);
    this.policy = retryPolicy(opts.retry);
    const transport = opts.transport ?? (shared ??= new NodeHttpTransport());
    this.ownTransport = opts.transport === undefined;
    const userAgent = opts.userAgent ?? `berth (node ${process.version})`;
    const c = opts.credentials;
    const credentials: CredentialSource = typeof c === "function" ? c : c !== undefined ? async () => c : () => loadCredentials(host);
    const auth = new Authenticator({ host, credentials, transport, userAgent, ...(opts.insecureRegistries && { insecureRegistries: opts.insecureRegistries }) });
    this.t = new RegistryTransport(this.endpoint, { transport, auth, retry: this.policy, userAgent, ...(opts.insecureRegistries && { insecureRegistries: opts.insecureRegistries }) });
  }

  /**
   * Check that the registry answers and takes the credentials: GET /v2/,
   * authenticating when challenged, as `docker login` does. Throws
   * UNAUTHENTICATED when the credentials are refused.
   */
  async ping(opts: CallOptions = {}): Promise<void> {
    const res = await this.t.send({ method: "GET", url: distributionPath.base(), scopes: [], expect: [200], ...(opts.signal && { signal: opts.signal }) });
    res.discard();
  }

  /**
   * Learn now, beside other requests, how the registry wants streamed
   * bodies and pooled reads authorized (GET /v2/), so a transfer about to
   * begin does not wait for it; never rejects (the request that needs it
   * asks again).
   */
  prepareStreams(opts: CallOptions = {}): void {
    this.t.prepareStream(opts.signal).catch(() => undefined);
  }

  /** The descriptor a tag or digest names (HEAD, falling back to GET). */
  async resolve(repository: string, reference: string, opts: CallOptions = {}): Promise<Descriptor> {
    return resolveManifest(this.t, parseRepositoryName(repository), reference, opts);
  }

  /** A manifest or index, verified and parsed; see fetchManifest. */
  async fetchManifest(repository: string, reference: string, opts: FetchManifestOptions = {}): Promise<FetchedManifest> {
    return fetchManifest(this.t, parseRepositoryName(repository), reference, opts);
  }

  /** Download a blob into a content store, verified and resumable; see fetchBlob. */
  async fetchBlob(repository: string, descriptor: Descriptor, store: BlobSink, opts: FetchBlobOptions = {}): Promise<BlobInfo> {
    return fetchBlob(this.t, this.policy, parseRepositoryName(repository), descriptor, store, opts, (signal) =>
      this.openBlobPooled(repository, descriptor.digest, { ...(signal && { signal }) }));
  }

  /**
   * A blob's bytes as a stream, or bytes `start`..`end` of it, unverified:
   * the reader must check the digest (copyImage's uploads do).
   */
  async openBlob(repository: string, digest: Digest, opts: CallOptions & { readonly range?: { start: number; end: number } } = {}): Promise<Readable> {
    const res = await this.t.send({
      method: "GET", url: distributionPath.blob(parseRepositoryName(repository), parseDigest(digest)),
      headers: opts.range ? { range: `bytes=${opts.range.start}-${opts.range.end}` } : {},
      scopes: [repositoryScope(repository, "pull")], expect: opts.range ? [206] : [200], ...(opts.signal && { signal: opts.signal }),
    });
    return res.body;
  }

  /**
   * The blob on a connection of its own, read into pooled buffers (see
   * internal/pooled-get.ts), when this registry is spoken to in plain HTTP
   * through berth's own transport and answers the GET with 200 and a
   * Content-Length; undefined otherwise (HTTPS, a transport given in the
   * options, a redirect, a refused token): then openBlob, which follows and
   * authenticates as needed. Rejects with TransportError when the
   * connection fails.
   */
  async openBlobPooled(repository: string, digest: Digest, opts: CallOptions = {}): Promise<PooledBody | undefined> {
    const url = this.t.url(distributionPath.blob(parseRepositoryName(repository), parseDigest(digest)));
    if (url.protocol !== "http:" || !this.ownTransport) return undefined;
    const authorization = await this.t.authorizationFor([repositoryScope(repository, "pull")], opts.signal);
    try {
      return await openPooledGet(url, { "user-agent": this.t.userAgent, ...(authorization !== undefined && { authorization }) }, { ...(opts.signal && { signal: opts.signal }) });
    } catch (e) {
      const cancelled = asCancelled(e, opts.signal, `GET ${displayUrl(url)}`);
      throw cancelled === e ? new TransportError("GET", displayUrl(url), e) : cancelled;
    }
  }

  /** Whether the registry has the blob in `repository` (HEAD). */
  async blobExists(repository: string, digest: Digest, opts: CallOptions = {}): Promise<boolean> {
    const res = await this.t.send({
      method: "HEAD", url: distributionPath.blob(parseRepositoryName(repository), parseDigest(digest)),
      scopes: [repositoryScope(repository, "pull")], expect: [200, 404], ...(opts.signal && { signal: opts.signal }),
    });
    res.discard();
    return res.status === 200;
  }

  /** Make a blob present in `repository`: skip, mount or upload; see pushBlob. */
  async pushBlob(repository: string, descriptor: Descriptor, source: BlobSource, opts: PushBlobOptions = {}): Promise<PushBlobOutcome> {
    return pushBlob(this.t, this.policy, parseRepositoryName(repository), descriptor, source, opts);
  }

  /**
   * PUT a manifest under a tag or its digest, with `mediaType` as its
   * Content-Type. The blobs (or, for an index, the manifests) it names must
   * be pushed first. Returns its descriptor (sha256 digest of `bytes`).
   */
  async pushManifest(repository: string, reference: string, bytes: Uint8Array, mediaType: string, opts: CallOptions = {}): Promise<Descriptor> {
    parseManifestReference(reference);
    const res = await this.t.send({
      method: "PUT", url: distributionPath.manifest(parseRepositoryName(repository), reference), body: bytes,
      headers: { "content-type": mediaType }, scopes: [repositoryScope(repository, "pull,push")], expect: [200, 201, 202, 204],
      ...(opts.signal && { signal: opts.signal }),
    });
    res.discard();
    return { mediaType, digest: digestOf(bytes), size: bytes.length };
  }

  /** Every tag of `repository`; see listTags. */
  async listTags(repository: string, opts: ListTagsOptions = {}): Promise<string[]> {
    return listTags(this.t, parseRepositoryName(repository), opts);
  }

  /** DELETE a manifest by digest (the registry drops its tags too). */
  async deleteManifest(repository: string, digest: Digest, opts: CallOptions = {}): Promise<void> {
    const res = await this.t.send({
      method: "DELETE", url: distributionPath.manifest(parseRepositoryName(repository), parseDigest(digest)),
      scopes: [repositoryScope(repository, "delete")], expect: [200, 202, 204], ...(opts.signal && { signal: opts.signal }),
    });
    res.discard();
  }
}
