import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import type { Readable, Writable } from "node:stream";
import { extraCaContext } from "./extra-ca.js";

/**
 * A request body written by a function, once: it writes into `dest` (the
 * request, not to be ended: the transport ends it) and resolves when it has
 * written everything, or rejects, which fails the request. A writer may wait
 * for write callbacks to reuse its buffers, which a Readable cannot (it never
 * learns when a chunk left). Used with a Content-Length header.
 */
export type BodyWriter = (dest: Writable) => Promise<void>;

/** One HTTP exchange as the registry client needs it. */
export interface HttpRequest {
  readonly method: string;
  readonly url: URL;
  readonly headers?: Readonly<Record<string, string>>;
  /** Bytes in memory (can be sent again), or a one-shot stream or writer (sent once). */
  readonly body?: Uint8Array | Readable | BodyWriter;
  readonly signal?: AbortSignal;
}

/** A response whose body has not been read yet. Read `body`, or call discard(). */
export interface HttpResponse {
  readonly status: number;
  readonly statusText: string;
  readonly url: URL;
  /** A header by name (any case); repeated headers joined with ", ". */
  header(name: string): string | undefined;
  /** Every value of a header that may repeat, such as WWW-Authenticate. */
  headerValues(name: string): readonly string[];
  readonly body: Readable;
  /** Drop the body: drained when small (the connection is reused), else the connection is closed. */
  discard(): void;
}

/**
 * Sends HTTP requests. The one method is the seam for wrappers (counting,
 * logging, fault injection), as go-containerregistry's transports wrap
 * http.RoundTripper. It does not follow redirects, retry or authenticate:
 * RegistryTransport does that above it.
 */
export interface HttpTransport {
  /** Resolves when the response head arrives; rejects on a network error before that. */
  request(req: HttpRequest): Promise<HttpResponse>;
}

/** Options for {@link NodeHttpTransport}. */
export interface NodeHttpTransportOptions {
  /** Connections per host; default 16 (layers are fetched a few at a time, plus manifests). */
  readonly maxSockets?: number;
  /** A socket silent this long fails the request with ETIMEDOUT; default 60 000 ms. */
  readonly idleTimeoutMs?: number;
  /** Extra CA certificates (PEM) for HTTPS registries signed by a private CA. */
  readonly ca?: string | Buffer | readonly (string | Buffer)[];
}

// Bodies up to this size are drained so their keep-alive connection is reused.
const DRAIN_LIMIT = 64 * 1024;

/**
 * The default transport: node:http and node:https with keep-alive agents.
 * Chosen over fetch because it streams request bodies without buffering,
 * reports socket errors with their errno (ECONNRESET, ETIMEDOUT) for the
 * retry policy, and never follows redirects on its own, so Authorization
 * cannot leak to another origin. Idle sockets do not keep the process alive.
 * close() (or `await using`) destroys the pooled sockets.
 */
export class NodeHttpTransport implements HttpTransport, AsyncDisposable {
  private readonly http: HttpAgent;
  // Made at the first https request: a registry on plain HTTP (localhost) never loads TLS (see scripts/bundle.mjs).
  private httpsAgent: HttpsAgent | undefined;
  private readonly maxSockets: number;
  private readonly ca: NodeHttpTransportOptions["ca"];
  private readonly idleTimeoutMs: number;
  private readonly ownCa: boolean;

  constructor(opts: NodeHttpTransportOptions = {}) {
    this.maxSockets = opts.maxSockets ?? 16;
    this.http = new HttpAgent({ keepAlive: true, maxSockets: this.maxSockets });
    this.ca = opts.ca;
    this.idleTimeoutMs = opts.idleTimeoutMs ?? 60_000;
    this.ownCa = opts.ca !== undefined;
  }

  private get https(): HttpsAgent {
    this.httpsAgent ??= new HttpsAgent({ keepAlive: true, maxSockets: this.maxSockets, ...(this.ca !== undefined && { ca: this.ca as string | Buffer | (string | Buffer)[] }) });
    return this.httpsAgent;
  }

  request(req: HttpRequest): Promise<HttpResponse> {
    const isHttps = req.url.protocol === "https:";
    const headers: Record<string, string> = { ...req.headers };
    if (req.body instanceof Uint8Array) headers["content-length"] = String(req.body.length);
    else if (req.body === undefined && (req.method === "PUT" || req.method === "POST" || req.method === "PATCH")) headers["content-length"] = "0";
    return new Promise((resolve, reject) => {
      const send = isHttps ? httpsRequest : httpRequest;
      // NODE_EXTRA_CA_CERTS when the launcher kept it from Node (extra-ca.ts); a CA given to this transport wins.
      const trust = isHttps && !this.ownCa ? extraCaContext() : undefined;
      const r = send(req.url, {
        method: req.method,
        headers,
        agent: isHttps ? this.https : this.http,
        ...(trust !== undefined && { secureContext: trust }),
        timeout: this.idleTimeoutMs,
        ...(req.signal && { signal: req.signal }),
      });
      r.on("timeout", () => r.destroy(Object.assign(new Error(`no data for ${this.idleTimeoutMs} ms`), { code: "ETIMEDOUT" })));
      r.on("error", reject);
      r.on("response", (res) => resolve(wrapResponse(res, req.url)));
      const body = req.body;
      if (body === undefined) r.end();
      else if (body instanceof Uint8Array) r.end(body);
      else if (typeof body === "function") body(r).then(() => r.end(), (e: unknown) => r.destroy(e as Error));
      else {
        body.on("error", (e) => r.destroy(e));
        body.pipe(r);
      }
    });
  }

  async close(): Promise<void> {
    this.http.destroy();
    this.httpsAgent?.destroy();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

function wrapResponse(res: IncomingMessage, url: URL): HttpResponse {
  return {
    status: res.statusCode ?? 0,
    statusText: res.statusMessage ?? "",
    url,
    header: (name) => {
      const v = res.headers[name.toLowerCase()];
      return Array.isArray(v) ? v.join(", ") : v;
    },
    headerValues: (name) => res.headersDistinct[name.toLowerCase()] ?? [],
    body: res,
    discard: () => {
      const length = Number(res.headers["content-length"]);
      if (res.complete || (Number.isFinite(length) && length <= DRAIN_LIMIT)) res.resume();
      else res.destroy();
    },
  };
}
