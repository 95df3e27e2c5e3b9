// @ts-check
// JSON over HTTP to the shop's APIs, with node:http rather than fetch: the
// image's Node.js (Debian bookworm's 18) prints an ExperimentalWarning for fetch.
import { lookup } from "node:dns";
import { request } from "node:http";

const MAX_RESPONSE = 1024 * 1024;
// Longer than the cart's own 2 s bound on redis, so that a slow redis comes
// back as the cart's clear 503 rather than as a timeout here.
const DEFAULT_TIMEOUT_MS = 3_000;

/** A failed call; `status` is the service's HTTP status, or 0 when it did not answer. */
export class UpstreamError extends Error {
  /** @param {string} message @param {number} status */
  constructor(message, status) {
    super(message);
    this.status = status;
  }
}

/**
 * A `lookup` for node:http that picks one of all the addresses of a name at
 * random. Inside a stack a service name resolves to every replica, always in
 * the same order; taking the first would send every call to one replica.
 * @type {import("node:net").LookupFunction}
 */
function anyReplica(hostname, options, callback) {
  lookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err || addresses.length === 0) return callback(err ?? new Error(`${hostname}: no address`), "", 0);
    const shuffled = [...addresses].sort(() => Math.random() - 0.5);
    // Node asks for all addresses when it races IPv4 and IPv6 (autoSelectFamily).
    if (options.all) return callback(null, /** @type {never} */ (shuffled));
    const one = shuffled[0];
    callback(null, one?.address ?? "", one?.family ?? 4);
  });
}

/**
 * `method` `url` with an optional JSON body; resolves with the parsed JSON of
 * a 2xx answer (undefined for 204) and the replica that sent it (its
 * `x-served-by` header, "" when it sent none). Rejects naming the URL when the service
 * cannot be reached, takes longer than `timeoutMs` (3 s), answers with another
 * status (its `error` field, when it has one, in the message), or sends more
 * than 1 MiB or something that is not JSON — always with an UpstreamError.
 * @param {string} method
 * @param {string} url
 * @param {{ body?: unknown, timeoutMs?: number }} [opts]
 * @returns {Promise<{ value: unknown, servedBy: string }>}
 */
export function requestJson(method, url, opts = {}) {
  const body = opts.body === undefined ? undefined : JSON.stringify(opts.body);
  return new Promise((resolve, reject) => {
    const fail = (/** @type {string} */ why, status = 0) => reject(new UpstreamError(`${method} ${url}: ${why}`, status));
    const req = request(url, {
      method,
      lookup: anyReplica,
      timeout: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      headers: body === undefined ? { accept: "application/json" } : { accept: "application/json", "content-type": "application/json", "content-length": Buffer.byteLength(body) },
    }, (res) => {
      /** @type {Buffer[]} */
      const chunks = [];
      let size = 0;
      res.on("data", (/** @type {Buffer} */ chunk) => {
        size += chunk.length;
        if (size > MAX_RESPONSE) req.destroy(new Error(`answer larger than ${MAX_RESPONSE} bytes`));
        else chunks.push(chunk);
      });
      res.on("error", (e) => fail(e.message));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        let value;
        try {
          value = text === "" ? undefined : JSON.parse(text);
        } catch {
          return fail(`HTTP ${res.statusCode}, not JSON`);
        }
        const status = res.statusCode ?? 0;
        const servedBy = res.headers["x-served-by"];
        if (status >= 200 && status < 300) return resolve({ value, servedBy: typeof servedBy === "string" ? servedBy : "" });
        const message = typeof value === "object" && value !== null && "error" in value ? String(value.error) : "";
        fail(`HTTP ${status}${message ? `: ${message}` : ""}`, status);
      });
    });
    req.on("timeout", () => req.destroy(new Error(`no answer within ${opts.timeoutMs ?? DEFAULT_TIMEOUT_MS} ms`)));
    req.on("error", (e) => fail(e.message));
    req.end(body);
  });
}
