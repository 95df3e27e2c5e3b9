import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { request as httpRequest, type IncomingMessage, type RequestOptions } from "node:http";
import { request as httpsRequest } from "node:https";
import { connect as tlsConnect } from "node:tls";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { MirrorUnavailableError } from "./errors.js";

export interface DownloadOptions {
  readonly signal?: AbortSignal;
  /** Environment to read proxy settings from (default process.env). */
  readonly env?: NodeJS.ProcessEnv;
  /** Milliseconds without progress before the download fails (default 60 s). */
  readonly idleTimeoutMs?: number;
}

const MAX_REDIRECTS = 5;

/** The proxy URL for `url` from HTTP_PROXY / HTTPS_PROXY / NO_PROXY (either case), if any. */
export function proxyFor(url: URL, env: NodeJS.ProcessEnv = process.env): URL | undefined {
  const noProxy = (env.NO_PROXY ?? env.no_proxy ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  if (noProxy.some((n) => n === "*" || url.hostname === n.replace(/^\./, "") || url.hostname.endsWith(n.startsWith(".") ? n : `.${n}`))) return undefined;
  const p = url.protocol === "https:" ? env.HTTPS_PROXY ?? env.https_proxy : env.HTTP_PROXY ?? env.http_proxy;
  return p ? new URL(p) : undefined;
}

/** Open a GET for `url`, through the environment's proxy when one is set (CONNECT for HTTPS). */
async function open(url: URL, opts: DownloadOptions): Promise<IncomingMessage> {
  const proxy = proxyFor(url, opts.env);
  const base: RequestOptions = { method: "GET", timeout: opts.idleTimeoutMs ?? 60_000, ...(opts.signal && { signal: opts.signal }) };
  const send = (req: ReturnType<typeof httpRequest>): Promise<IncomingMessage> =>
    new Promise((resolve, reject) => {
      req.on("response", resolve).on("error", reject).on("timeout", () => req.destroy(new Error("timed out")));
      req.end();
    });
  if (!proxy) return send((url.protocol === "https:" ? httpsRequest : httpRequest)(url, base));
  if (url.protocol === "http:") {
    // A forward proxy takes the absolute URL as the request target.
    return send(httpRequest({ ...base, host: proxy.hostname, port: proxy.port || 80, path: url.href, headers: { host: url.host } }));
  }
  const connectReq = httpRequest({ ...base, method: "CONNECT", host: proxy.hostname, port: proxy.port || 80, path: `${url.hostname}:${url.port || 443}` });
  const socket = await new Promise<import("node:net").Socket>((resolve, reject) => {
    connectReq.on("connect", (res, s) => (res.statusCode === 200 ? resolve(s) : reject(new Error(`proxy CONNECT answered ${res.statusCode}`))));
    connectReq.on("error", reject).on("timeout", () => connectReq.destroy(new Error("proxy timed out")));
    connectReq.end();
  });
  const tls = tlsConnect({ socket, servername: url.hostname });
  return send(httpsRequest(url, { ...base, createConnection: () => tls }));
}

/**
 * Download `url` into the file `dest` (created or truncated), following up to
 * five redirects, and return the SHA256 (hex) and size of what was written.
 * Throws MirrorUnavailableError naming the URL on a network error or a status
 * other than 200.
 */
export async function downloadToFile(url: string, dest: string, opts: DownloadOptions = {}): Promise<{ sha256: string; size: number }> {
  let current = new URL(url);
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    let res: IncomingMessage;
    try {
      res = await open(current, opts);
    } catch (e) {
      throw new MirrorUnavailableError(url, (e as Error).message, e);
    }
    const status = res.statusCode ?? 0;
    if (status >= 300 && status < 400 && res.headers.location) {
      res.resume();
      current = new URL(res.headers.location, current);
      continue;
    }
    if (status !== 200) {
      res.resume();
      throw new MirrorUnavailableError(url, `HTTP ${status}`);
    }
    const hash = createHash("sha256");
    let size = 0;
    const tap = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        hash.update(chunk);
        size += chunk.length;
        cb(null, chunk);
      },
    });
    try {
      await pipeline(res, tap, createWriteStream(dest));
    } catch (e) {
      throw new MirrorUnavailableError(url, `download broke off: ${(e as Error).message}`, e);
    }
    return { sha256: hash.digest("hex"), size };
  }
  throw new MirrorUnavailableError(url, `more than ${MAX_REDIRECTS} redirects`);
}
