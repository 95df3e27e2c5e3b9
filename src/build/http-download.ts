import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import type { IncomingMessage } from "node:http";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { MirrorUnavailableError } from "./errors.js";
import { openGet, type HttpGetOptions } from "./http-get.js";

/** How a mirror's file is downloaded. */
export type DownloadOptions = HttpGetOptions;

const MAX_REDIRECTS = 5;

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
      res = await openGet(current, opts);
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
