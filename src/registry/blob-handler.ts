import type { IncomingMessage, ServerResponse } from "node:http";
import { parseDigest, type Digest } from "../oci/index.js";
import { sendEmpty } from "./http-util.js";
import { RegistryError } from "./registry-error.js";
import type { RepositoryStore } from "./repository-store.js";

/** A digest from a URL or query, as the error the spec wants when it is malformed. */
export function digestParam(value: string | null | undefined, field = "digest"): Digest {
  if (!value) throw new RegistryError("DIGEST_INVALID", `${field}: missing`, { status: 400 });
  try {
    return parseDigest(value, field);
  } catch (e) {
    throw new RegistryError("DIGEST_INVALID", (e as Error).message, { detail: { digest: value }, status: 400 });
  }
}

async function blobSize(store: RepositoryStore, name: string, digest: Digest): Promise<number> {
  const info = (await store.hasBlobLink(name, digest)) ? await store.content.info(digest) : undefined;
  if (!info) throw new RegistryError("BLOB_UNKNOWN", `blob ${name}@${digest}: not found`, { detail: { digest } });
  return info.size;
}

/** Parse a single `Range: bytes=a-b` (or `a-`, `-n`); undefined if absent. Multiple ranges are not served. */
export function parseRange(header: string | undefined, size: number): { start: number; end: number } | undefined {
  if (!header) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  const invalid = (): RegistryError =>
    new RegistryError("RANGE_INVALID", `range "${header}" cannot be served for a blob of ${size} bytes`, {
      status: 416,
      headers: { "Content-Range": `bytes */${size}` },
    });
  if (!m || (m[1] === "" && m[2] === "")) throw invalid();
  let start: number;
  let end: number;
  if (m[1] === "") {
    start = Math.max(0, size - Number(m[2]));
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start > end || start >= size) throw invalid();
  return { start, end };
}

/** GET and HEAD /v2/<name>/blobs/<digest>, with Range support. */
export async function getBlob(store: RepositoryStore, name: string, digestText: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const digest = digestParam(digestText);
  const size = await blobSize(store, name, digest);
  const range = parseRange(req.headers.range, size);
  const headers: Record<string, string | number> = {
    "Content-Type": "application/octet-stream",
    "Docker-Content-Digest": digest,
    ETag: `"${digest}"`,
    "Accept-Ranges": "bytes",
    "Cache-Control": "max-age=31536000",
  };
  if (range) {
    headers["Content-Range"] = `bytes ${range.start}-${range.end}/${size}`;
    headers["Content-Length"] = range.end - range.start + 1;
  } else {
    headers["Content-Length"] = size;
  }
  if (req.method === "HEAD" || size === 0) {
    res.writeHead(range ? 206 : 200, headers);
    res.end();
    return;
  }
  res.writeHead(range ? 206 : 200, headers);
  await store.content.send(digest, res, range);
  res.end();
}

/** DELETE /v2/<name>/blobs/<digest>: unlink from the repository; gc reclaims the bytes. */
export async function deleteBlob(store: RepositoryStore, name: string, digestText: string, res: ServerResponse): Promise<void> {
  const digest = digestParam(digestText);
  if (!(await store.unlinkBlob(name, digest))) {
    throw new RegistryError("BLOB_UNKNOWN", `blob ${name}@${digest}: not found`, { detail: { digest } });
  }
  sendEmpty(res, 202, { "Docker-Content-Digest": digest });
}
