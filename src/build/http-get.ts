import { request as httpRequest, type IncomingMessage, type RequestOptions } from "node:http";
import { request as httpsRequest } from "node:https";
import type { Socket } from "node:net";
import { connect as tlsConnect, type SecureContext } from "node:tls";

/** How a build fetches a URL (a Debian mirror's files, ADD's URLs). */
export interface HttpGetOptions {
  readonly signal?: AbortSignal;
  /** Environment to read HTTP_PROXY / HTTPS_PROXY / NO_PROXY from (either case); default process.env. */
  readonly env?: NodeJS.ProcessEnv;
  /** Milliseconds without progress before the request fails; default 60 s. */
  readonly idleTimeoutMs?: number;
}

/** The proxy URL for `url` from HTTP_PROXY / HTTPS_PROXY / NO_PROXY (either case), if any. */
export function proxyFor(url: URL, env: NodeJS.ProcessEnv = process.env): URL | undefined {
  const noProxy = (env.NO_PROXY ?? env.no_proxy ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  if (noProxy.some((n) => n === "*" || url.hostname === n.replace(/^\./, "") || url.hostname.endsWith(n.startsWith(".") ? n : `.${n}`))) return undefined;
  const p = url.protocol === "https:" ? env.HTTPS_PROXY ?? env.https_proxy : env.HTTP_PROXY ?? env.http_proxy;
  return p ? new URL(p) : undefined;
}

/**
 * Open a GET for `url` (http or https; redirects are the caller's), through
 * the environment's proxy when one is set (CONNECT for https). Rejects on a
 * network error, a proxy's refusal or `idleTimeoutMs` without a response.
 */
export async function openGet(url: URL, opts: HttpGetOptions = {}): Promise<IncomingMessage> {
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error(`${url.protocol} URLs are not fetched; use http or https`);
  const proxy = proxyFor(url, opts.env);
  const base: RequestOptions = { method: "GET", timeout: opts.idleTimeoutMs ?? 60_000, ...(opts.signal && { signal: opts.signal }) };
  const send = (req: ReturnType<typeof httpRequest>): Promise<IncomingMessage> =>
    new Promise((resolve, reject) => {
      req.on("response", resolve).on("error", reject).on("timeout", () => req.destroy(new Error("timed out")));
      req.end();
    });
  const trust = url.protocol === "https:" ? await trustContext() : undefined;
  if (proxy === undefined) return send(url.protocol === "https:" ? httpsRequest(url, { ...base, ...(trust && { secureContext: trust }) }) : httpRequest(url, base));
  if (url.protocol === "http:") {
    // A forward proxy takes the absolute URL as the request target.
    return send(httpRequest({ ...base, host: proxy.hostname, port: proxy.port || 80, path: url.href, headers: { host: url.host } }));
  }
  const connectReq = httpRequest({ ...base, method: "CONNECT", host: proxy.hostname, port: proxy.port || 80, path: `${url.hostname}:${url.port || 443}` });
  const socket = await new Promise<Socket>((resolve, reject) => {
    connectReq.on("connect", (res, s) => (res.statusCode === 200 ? resolve(s) : reject(new Error(`proxy CONNECT answered ${res.statusCode}`))));
    connectReq.on("error", reject).on("timeout", () => connectReq.destroy(new Error("proxy timed out")));
    connectReq.end();
  });
  const tls = tlsConnect({ socket, servername: url.hostname, ...(trust && { secureContext: trust }) });
  return send(httpsRequest(url, { ...base, createConnection: () => tls }));
}

/** NODE_EXTRA_CA_CERTS when berth's launcher kept it from Node's start (client/extra-ca.ts), else Node's default. */
async function trustContext(): Promise<SecureContext | undefined> {
  // Imported on the first https URL: the client layer's index loads the whole registry client.
  const { extraCaContext } = await import("../client/index.js");
  return extraCaContext();
}
