import type { IncomingMessage, ServerResponse } from "node:http";
import { isBerthError } from "../oci/index.js";
import { RegistryError } from "./registry-error.js";

/** Answer with the distribution-spec JSON error body. */
export function sendError(res: ServerResponse, err: RegistryError, method: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify({
    errors: [{ code: err.distributionCode, message: err.message, ...(err.detail !== undefined && { detail: err.detail }) }],
  });
  res.writeHead(err.status, {
    ...err.headers,
    "Content-Type": "application/json; charset=utf-8",
    "Content-Length": Buffer.byteLength(body),
  });
  // HEAD responses carry headers only.
  res.end(method === "HEAD" ? undefined : body);
}

export function sendJson(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}, method = "GET"): void {
  const body = Buffer.from(JSON.stringify(value));
  res.writeHead(status, { "Content-Type": "application/json; charset=utf-8", "Content-Length": body.length, ...headers });
  res.end(method === "HEAD" ? undefined : body);
}

/** Reply with no body. */
export function sendEmpty(res: ServerResponse, status: number, headers: Record<string, string | number> = {}): void {
  res.writeHead(status, { "Content-Length": 0, ...headers });
  res.end();
}

/**
 * Read a whole request body up to `limit` bytes; past that, throw
 * `tooLarge()` without reading the rest (the connection is closed after the reply).
 */
export async function readBody(req: IncomingMessage, limit: number, tooLarge: () => RegistryError): Promise<Buffer> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limit) throw tooLarge();
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const chunk of req) {
    n += (chunk as Buffer).length;
    if (n > limit) throw tooLarge();
    chunks.push(chunk as Buffer);
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, n);
}

/** Whether the request has a body to read (Content-Length > 0 or chunked). */
export function hasBody(req: IncomingMessage): boolean {
  const len = req.headers["content-length"];
  if (len !== undefined) return Number(len) > 0;
  return req.headers["transfer-encoding"] !== undefined;
}

/** Turn any thrown value into the error the registry answers with. */
export function toRegistryError(e: unknown): RegistryError {
  if (e instanceof RegistryError) return e;
  if (isBerthError(e, "INVALID_ARGUMENT")) return new RegistryError("MANIFEST_INVALID", e.message, { cause: e });
  if (isBerthError(e, "NOT_FOUND")) return new RegistryError("BLOB_UNKNOWN", e.message, { cause: e });
  return new RegistryError("UNSUPPORTED", `internal error: ${(e as Error)?.message ?? String(e)}`, { status: 500, cause: e });
}
