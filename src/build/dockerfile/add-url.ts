import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import type { IncomingMessage } from "node:http";
import { posix } from "node:path";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { openGet, type HttpGetOptions } from "../http-get.js";
import { AddChecksumError, AddDownloadError, InvalidCopySourceError } from "./copy-errors.js";

/** How ADD fetches URLs. */
export interface UrlDownloadOptions extends HttpGetOptions {
  /** Called as bytes arrive; `total` from Content-Length when the server sent it. */
  readonly onBytes?: (bytes: number, total: number | undefined) => void;
}

/** A URL ADD fetched into a temporary file. */
export interface DownloadedUrl {
  readonly url: string;
  /** Host path of the bytes. */
  readonly file: string;
  /**
   * The file's name in the image when the destination is a directory, as
   * docker picks it: the URL path's last segment, else Content-Disposition's
   * filename; undefined when neither gives one.
   */
  readonly name: string | undefined;
  /** From Last-Modified; 0 (1970) without one, as docker sets it. */
  readonly mtimeMs: number;
  /** `sha256:…` of the bytes. */
  readonly digest: string;
  readonly size: number;
}

/** Go's net/http follows this many redirects; docker's ADD uses its default client. */
const MAX_REDIRECTS = 10;
const CHECKSUM = /^(sha256|sha384|sha512):([0-9a-f]+)$/;
const HEX_LENGTH: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };

/** True for a source ADD downloads rather than reads from the context (docker's urlutil.IsURL). */
export const isUrl = (source: string): boolean => source.startsWith("http://") || source.startsWith("https://");

/** Parse `--checksum=sha256:<hex>` (also sha384, sha512); throws InvalidCopySourceError naming the flag. */
export function parseChecksum(checksum: string): { algorithm: string; hex: string } {
  const m = CHECKSUM.exec(checksum);
  if (m === null || m[2]!.length !== HEX_LENGTH[m[1]!]) {
    throw new InvalidCopySourceError(checksum, "--checksum must be ALGORITHM:HEX with sha256, sha384 or sha512 and lower-case hex of its length", "e.g. --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d");
  }
  return { algorithm: m[1]!, hex: m[2]! };
}

/**
 * GET `url` (http or https, through the environment's proxy, following up
 * to 10 redirects) into the new file `file`, as docker's ADD does: any
 * status from 400 up fails; the name comes from the URL as asked for (not
 * the redirect's); Last-Modified gives the time. With `checksum`, the
 * bytes must have that digest (AddChecksumError). Throws AddDownloadError
 * naming the URL on a network error or a bad status.
 */
export async function downloadUrl(url: string, file: string, opts: UrlDownloadOptions = {}, checksum?: string): Promise<DownloadedUrl> {
  const want = checksum === undefined ? undefined : parseChecksum(checksum);
  let current: URL;
  try {
    current = new URL(url);
  } catch (e) {
    throw new AddDownloadError(url, "not a valid URL", e);
  }
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const res = await openGet(current, opts).catch((e: unknown) => {
      throw new AddDownloadError(url, (e as Error).message, e);
    });
    const status = res.statusCode ?? 0;
    if (status >= 300 && status < 400 && res.headers.location !== undefined) {
      res.resume();
      current = new URL(res.headers.location, current);
      continue;
    }
    if (status < 200 || status >= 300) {
      res.resume();
      throw new AddDownloadError(url, `HTTP ${status} ${res.statusMessage ?? ""}`.trimEnd());
    }
    const hashes = { sha256: createHash("sha256"), want: want && want.algorithm !== "sha256" ? createHash(want.algorithm) : undefined };
    const total = Number(res.headers["content-length"]) || undefined;
    let size = 0;
    const tap = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        hashes.sha256.update(chunk);
        hashes.want?.update(chunk);
        size += chunk.length;
        opts.onBytes?.(size, total);
        cb(null, chunk);
      },
    });
    try {
      await pipeline(res, tap, createWriteStream(file, { flags: "wx", mode: 0o600 }), ...(opts.signal ? [{ signal: opts.signal }] as const : []));
    } catch (e) {
      if ((e as Error).name === "AbortError") throw e;
      throw new AddDownloadError(url, `download broke off: ${(e as Error).message}`, e);
    }
    const sha256 = hashes.sha256.digest("hex");
    if (want !== undefined) {
      const actual = want.algorithm === "sha256" ? sha256 : hashes.want!.digest("hex");
      if (actual !== want.hex) throw new AddChecksumError(url, `${want.algorithm}:${want.hex}`, `${want.algorithm}:${actual}`);
    }
    const modified = Date.parse(String(res.headers["last-modified"] ?? ""));
    return { url, file, name: fileName(new URL(url), res), mtimeMs: Number.isFinite(modified) && modified > 0 ? modified : 0, digest: `sha256:${sha256}`, size };
  }
  throw new AddDownloadError(url, `more than ${MAX_REDIRECTS} redirects`);
}

/** docker's getFilenameForDownload: the path's last segment, else Content-Disposition's filename; never `.`, `..` or empty. */
function fileName(url: URL, res: IncomingMessage): string | undefined {
  const path = decode(url.pathname);
  const usable = (name: string): string | undefined => (name === "" || name === "." || name === ".." || name.includes("\0") ? undefined : name);
  if (path !== "" && !path.endsWith("/")) {
    const name = usable(posix.basename(path));
    if (name !== undefined) return name;
  }
  const disposition = res.headers["content-disposition"] ?? "";
  // RFC 2231's filename*=charset''percent-encoded wins over filename=, as in Go's mime.ParseMediaType.
  const star = /(?:^|;)\s*filename\*\s*=\s*[^']*'[^']*'([^;\s]*)/i.exec(disposition);
  const plain = /(?:^|;)\s*filename\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]*))/i.exec(disposition);
  const given = star !== null ? decode(star[1]!) : plain === null ? undefined : (plain[1]?.replace(/\\(.)/g, "$1") ?? plain[2]);
  if (given === undefined || given.endsWith("/")) return undefined;
  return usable(posix.basename(given));
}

function decode(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}
