import type { Readable } from "node:stream";
import { BerthError, InvalidArgumentError } from "../oci/index.js";
import type { Authenticator } from "./auth/authenticator.js";
import { parseChallenges } from "./auth/challenge.js";
import { asCancelled, isRetryableError, TransportError } from "./errors.js";
import type { BodyWriter, HttpResponse, HttpTransport } from "./http-transport.js";
import { readBody } from "./internal/read-body.js";
import { isInsecureAllowed, type RegistryEndpoint } from "./registry-endpoint.js";
import { displayUrl, RegistryResponseError, responseError } from "./registry-response-error.js";
import { isRetryableStatus, retryDelay, sleep, type RetryPolicy } from "./retry.js";

/** One request to a registry's API. */
export interface RegistryRequest {
  readonly method: "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** A path with query on the registry (`/v2/…`), or an absolute URL (an upload's Location). */
  readonly url: string | URL;
  readonly headers?: Readonly<Record<string, string>>;
  /** Bytes (sent again on a retry), or a one-shot stream or writer (never retried). */
  readonly body?: Uint8Array | Readable | BodyWriter;
  /** Token scopes the request needs: `repository:<name>:pull`. */
  readonly scopes: readonly string[];
  /** Statuses that mean success; any other throws RegistryResponseError. */
  readonly expect: readonly number[];
  readonly signal?: AbortSignal;
}

/** What a RegistryTransport is made of. */
export interface RegistryTransportOptions {
  readonly transport: HttpTransport;
  readonly auth: Authenticator;
  readonly retry: RetryPolicy;
  readonly userAgent: string;
  readonly insecureRegistries?: readonly string[];
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 5;

/**
 * Sends requests to one registry, adding what every request needs:
 * authentication (answering 401 challenges once per request, with a fresh
 * token when a cached one was refused), redirects for GET and HEAD (up to 5;
 * Authorization only ever goes to the registry's own origin, and never from
 * HTTPS down to HTTP), and retries with backoff on resets and 408/429/5xx for
 * requests whose body can be sent again. Before a one-shot stream is sent,
 * the registry's challenge is learnt (GET /v2/) so the stream goes out
 * authorized. A status outside `expect` throws RegistryResponseError; a
 * network failure throws TransportError; an abort throws CancelledError.
 */
export class RegistryTransport {
  private ping: Promise<void> | undefined;

  constructor(
    readonly endpoint: RegistryEndpoint,
    private readonly opts: RegistryTransportOptions,
  ) {}

  /** A path or URL resolved against the registry's base URL. */
  url(pathOrUrl: string | URL): URL {
    return new URL(pathOrUrl, this.endpoint.baseUrl);
  }

  async send(req: RegistryRequest): Promise<HttpResponse> {
    const url = this.url(req.url);
    const replayable = req.body === undefined || req.body instanceof Uint8Array;
    const retries = replayable ? this.opts.retry.retries : 0;
    for (let attempt = 0; ; attempt++) {
      let res: HttpResponse;
      try {
        res = await this.sendAuthorized(req, url, replayable);
      } catch (e) {
        const err = this.wrap(e, req, url);
        const again = isRetryableError(err) || (err instanceof RegistryResponseError && isRetryableStatus(err.status));
        if (!again || attempt >= retries) throw err;
        await sleep(retryDelay(attempt + 1, this.opts.retry), req.signal, `${req.method} ${displayUrl(url)}`);
        continue;
      }
      if (req.expect.includes(res.status)) return res;
      if (isRetryableStatus(res.status) && attempt < retries) {
        const retryAfter = res.header("retry-after");
        res.discard();
        await sleep(retryDelay(attempt + 1, this.opts.retry, retryAfter), req.signal, `${req.method} ${displayUrl(url)}`);
        continue;
      }
      const sentCredentials = res.status === 401 && (await this.opts.auth.hasCredentials());
      throw await responseError(res, { method: req.method, url: res.url, host: this.endpoint.host }, { sentCredentials });
    }
  }

  /**
   * send(), then read the whole body (at most `limit` bytes; a larger
   * Content-Length is refused unread with `tooLarge`). A connection that
   * fails while the body streams is retried like one that fails before.
   */
  async read(req: RegistryRequest, limit: number, tooLarge: (size: number) => Error): Promise<{ res: HttpResponse; body: Buffer }> {
    for (let attempt = 1; ; attempt++) {
      const res = await this.send(req);
      const declared = Number(res.header("content-length"));
      if (Number.isFinite(declared) && declared > limit) {
        res.discard();
        throw tooLarge(declared);
      }
      try {
        return { res, body: await readBody(res.body, limit, tooLarge) };
      } catch (e) {
        const err = this.wrap(e, req, res.url);
        if (!isRetryableError(err) || attempt > this.opts.retry.retries) throw err;
        await sleep(retryDelay(attempt, this.opts.retry), req.signal, `${req.method} ${displayUrl(res.url)}`);
      }
    }
  }

  private async sendAuthorized(req: RegistryRequest, url: URL, replayable: boolean): Promise<HttpResponse> {
    const auth = this.opts.auth;
    const own = url.origin === this.endpoint.baseUrl.origin;
    if (own && !replayable) await this.prepareStream(req.signal);
    const sent = own ? await auth.authorization(req.scopes, { ...(req.signal && { signal: req.signal }) }) : undefined;
    const res = await this.follow(req, url, sent);
    if (res.status !== 401 || !own || !replayable) return res;
    const challenges = parseChallenges(res.headerValues("www-authenticate"));
    if (!auth.noteChallenges(challenges)) return res;
    const asked = challenges.find((c) => c.scheme === "bearer")?.params.scope?.split(" ").filter((s) => s !== "") ?? [];
    // Scopes the request already asks for (push covers a challenge's pull) stay out, so one cache entry serves both.
    const scopes = [...req.scopes, ...asked.filter((a) => !req.scopes.some((s) => scopeCovers(s, a)))];
    const fresh = await auth.authorization(scopes, { refresh: sent !== undefined, ...(req.signal && { signal: req.signal }) });
    if (fresh === undefined) return res;
    res.discard();
    return this.follow(req, url, fresh);
  }

  /**
   * The Authorization a request for `scopes` carries to this registry (once
   * its challenge is learnt), for a caller that sends that request on its
   * own connection; undefined when none is needed.
   */
  async authorizationFor(scopes: readonly string[], signal?: AbortSignal): Promise<string | undefined> {
    await this.prepareStream(signal);
    return this.opts.auth.authorization(scopes, { ...(signal && { signal }) });
  }

  /** The User-Agent every request carries. */
  get userAgent(): string {
    return this.opts.userAgent;
  }

  /**
   * Learn, once, how the registry wants a one-shot stream authorized (see
   * send). Callers about to stream may start it early, beside other requests;
   * concurrent callers share one GET /v2/, and a failed one is tried again later.
   */
  async prepareStream(signal?: AbortSignal): Promise<void> {
    if (this.opts.auth.hasChallenge) return;
    this.ping ??= this.learnChallenge(signal).catch((e: unknown) => {
      this.ping = undefined;
      throw e;
    });
    await this.ping;
  }

  /** GET /v2/ without credentials, to learn how the registry wants to be authenticated. */
  private async learnChallenge(signal?: AbortSignal): Promise<void> {
    const res = await this.opts.transport.request({
      method: "GET",
      url: this.url("/v2/"),
      headers: { "user-agent": this.opts.userAgent },
      ...(signal && { signal }),
    });
    if (res.status === 401) this.opts.auth.noteChallenges(parseChallenges(res.headerValues("www-authenticate")));
    res.discard();
  }

  private async follow(req: RegistryRequest, url: URL, authorization: string | undefined): Promise<HttpResponse> {
    let current = url;
    for (let hop = 0; ; hop++) {
      const headers: Record<string, string> = { "user-agent": this.opts.userAgent, ...req.headers };
      if (authorization !== undefined && current.origin === this.endpoint.baseUrl.origin) headers.authorization = authorization;
      const res = await this.opts.transport.request({
        method: req.method,
        url: current,
        headers,
        ...(req.body !== undefined && { body: req.body }),
        ...(req.signal && { signal: req.signal }),
      });
      const location = res.header("location");
      if ((req.method !== "GET" && req.method !== "HEAD") || !REDIRECTS.has(res.status) || location === undefined) return res;
      res.discard();
      if (hop >= MAX_REDIRECTS) {
        throw new BerthError("UNAVAILABLE", `${req.method} ${displayUrl(url)}: more than ${MAX_REDIRECTS} redirects`, { hint: "the registry or a proxy redirects in a loop" });
      }
      current = this.redirectTarget(current, location);
    }
  }

  private redirectTarget(from: URL, location: string): URL {
    let next: URL;
    try {
      next = new URL(location, from);
    } catch {
      throw new InvalidArgumentError(`${displayUrl(from)}: redirect to "${location.slice(0, 200)}", which is not a URL`);
    }
    if (next.protocol !== "https:" && next.protocol !== "http:") {
      throw new InvalidArgumentError(`${displayUrl(from)}: redirect to a ${next.protocol} URL refused`);
    }
    if (from.protocol === "https:" && !isInsecureAllowed(next, this.opts.insecureRegistries ?? [])) {
      throw new BerthError("PERMISSION_DENIED", `${displayUrl(from)}: redirect from HTTPS to plain HTTP (${next.host}) refused`, {
        hint: `list ${next.host} in insecureRegistries if you trust the network`,
      });
    }
    return next;
  }

  private wrap(e: unknown, req: RegistryRequest, url: URL): unknown {
    const cancelled = asCancelled(e, req.signal, `${req.method} ${displayUrl(url)}`);
    if (cancelled !== e) return cancelled;
    if ((e as BerthError | undefined)?.isBerthError === true) return e;
    return new TransportError(req.method, displayUrl(url), e);
  }
}

/** Whether scope `have` (`repository:a/b:pull,push`) grants every action scope `want` asks for on the same resource. */
export function scopeCovers(have: string, want: string): boolean {
  const split = (s: string): [string, string[]] => {
    const last = s.lastIndexOf(":");
    return [s.slice(0, last), s.slice(last + 1).split(",")];
  };
  const [haveResource, haveActions] = split(have);
  const [wantResource, wantActions] = split(want);
  return haveResource === wantResource && (haveActions.includes("*") || wantActions.every((a) => haveActions.includes(a)));
}
