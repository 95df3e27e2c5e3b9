import { Agent, request, type IncomingHttpHeaders } from "node:http";

/** One request's options. */
export interface HttpRequestOptions {
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: Buffer;
  /** Statuses that count as success; anything else rejects with the response text. */
  readonly expect: readonly number[];
  /** "discard" counts body bytes without keeping them (blob pulls); "keep" returns them. */
  readonly read?: "keep" | "discard";
  readonly signal?: AbortSignal;
  /** Fail when the socket sees no traffic this long; 30 s unless told. */
  readonly idleTimeoutMs?: number;
}

/** Status, headers and body (empty when discarded) of one response. */
export interface HttpResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  /** Body bytes received, also when discarded. */
  readonly bytes: number;
}

/**
 * A light HTTP/1.1 client bound to one server on 127.0.0.1: node's http with a keep-alive Agent
 * (cheaper per request than undici fetch on a 2-core machine where client and server share the
 * CPU). Every URL, including Location headers the server returns, must point at that same
 * host:port, so a bench never sends traffic anywhere else.
 */
export class HttpClient {
  private readonly agent: Agent;

  constructor(readonly baseUrl: string, opts: { maxSockets: number }) {
    const u = new URL(baseUrl);
    if (u.hostname !== "127.0.0.1") throw new Error(`HttpClient: ${baseUrl} is not on 127.0.0.1`);
    this.agent = new Agent({ keepAlive: true, maxSockets: opts.maxSockets });
  }

  /** Resolve `target` (a path or a Location header) against the base URL; refuse other hosts. */
  resolve(target: string): URL {
    const url = new URL(target, this.baseUrl);
    if (url.origin !== new URL(this.baseUrl).origin) {
      throw new Error(`refusing ${url.href}: a bench talks only to ${this.baseUrl}`);
    }
    return url;
  }

  request(method: string, target: string | URL, opts: HttpRequestOptions): Promise<HttpResponse> {
    const url = typeof target === "string" ? this.resolve(target) : this.resolve(target.href);
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.body) headers["content-length"] = String(opts.body.length);
    else if (method === "PUT" || method === "POST" || method === "PATCH") headers["content-length"] = "0";
    const idle = opts.idleTimeoutMs ?? 30_000;
    return new Promise((resolve, reject) => {
      const req = request(url, { method, headers, agent: this.agent, signal: opts.signal }, (res) => {
        const status = res.statusCode ?? 0;
        const ok = opts.expect.includes(status);
        const keep = !ok || opts.read === "keep";
        const chunks: Buffer[] = [];
        let bytes = 0;
        res.on("data", (c: Buffer) => {
          bytes += c.length;
          if (keep) chunks.push(c);
        });
        res.on("error", reject);
        res.on("end", () => {
          const body = Buffer.concat(chunks);
          if (ok) resolve({ status, headers: res.headers, body, bytes });
          else reject(new Error(`${method} ${url.pathname}: got ${status}, expected ${opts.expect.join("/")}: ${body.toString().slice(0, 300)}`));
        });
      });
      req.setTimeout(idle, () => req.destroy(new Error(`${method} ${url.pathname}: no traffic for ${idle} ms`)));
      req.on("error", reject);
      req.end(opts.body);
    });
  }

  /** Close idle keep-alive sockets. */
  close(): void {
    this.agent.destroy();
  }
}
