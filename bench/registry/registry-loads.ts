import { execFile } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { open, unlink } from "node:fs/promises";
import type { HttpClient } from "../harness/http-client.js";
import { runPool } from "../harness/pool.js";
import { rawGetLoad } from "../harness/raw-get-load.js";
import { percentile } from "../harness/stats.js";
import { timed } from "../harness/timing.js";
import { MANIFEST_ACCEPT, pushMonolithic, sha256Digest } from "./registry-ops.js";

/** The concurrent loads of the registry bench; each is bounded by a count and a timeout. */

const LOAD_TIMEOUT_MS = 120_000;

/**
 * `count` manifest GETs by tag over `connections` keep-alive sockets (see {@link rawGetLoad} for
 * why not node's http client): requests/s over the whole batch and p99 latency in ms.
 */
export async function manifestGetLoad(
  baseUrl: string, repo: string, tag: string, size: number, count: number, connections: number,
): Promise<{ rps: number; p99Ms: number }> {
  const { ms, latenciesMs } = await rawGetLoad({
    url: `${baseUrl}/v2/${repo}/manifests/${tag}`,
    headers: { Accept: MANIFEST_ACCEPT },
    count, connections, timeoutMs: LOAD_TIMEOUT_MS, expectStatus: 200, expectBytes: size,
  });
  return { rps: count / (ms / 1000), p99Ms: percentile(latenciesMs, 99) };
}

/** Distinct random blobs and their digests, made before timing so both sides push the same bytes. */
export interface BlobSet {
  readonly blobs: readonly Buffer[];
  readonly digests: readonly string[];
}

export function makeBlobSet(count: number, bytes: number): BlobSet {
  const blobs = Array.from({ length: count }, () => randomBytes(bytes));
  return { blobs, digests: blobs.map(sha256Digest) };
}

/** Push every blob of `set` (POST + PUT with body) with `concurrency` in flight; pushes/s. */
export async function smallPushLoad(client: HttpClient, repo: string, set: BlobSet, concurrency: number): Promise<number> {
  const { ms } = await timed(() =>
    runPool({ count: set.blobs.length, concurrency, timeoutMs: LOAD_TIMEOUT_MS }, (i, signal) =>
      pushMonolithic(client, repo, set.blobs[i]!, set.digests[i]!, signal),
    ),
  );
  return set.blobs.length / (ms / 1000);
}

/**
 * Give `blob` a new identity for one row of one run: overwrite its first 32 bytes with `tag` and
 * return the new digest. Cheaper than 256 MiB of fresh random data, and no server has these bytes yet.
 */
export function restamp(blob: Buffer, tag: string): string {
  blob.fill(0, 0, 32);
  blob.write(tag.slice(0, 32), 0, "latin1");
  return sha256Digest(blob);
}

/**
 * Flush dirty pages (`sync`) before a timed blob row so neither side pays for the other's
 * writeback. Untimed.
 */
export function settleDisk(): Promise<void> {
  return new Promise((resolve, reject) =>
    execFile("sync", { timeout: 60_000 }, (err) => (err ? reject(new Error(`sync: ${err.message}`)) : resolve())),
  );
}

/** One floor measurement: sha256 of `blob` in memory, then writeFile + fsync of it to `path`; ms of each. */
export async function floorOnce(blob: Buffer, path: string): Promise<{ hashMs: number; writeMs: number }> {
  const hash = await timed(async () => createHash("sha256").update(blob).digest("hex"));
  const write = await timed(async () => {
    const fh = await open(path, "w");
    try {
      await fh.writeFile(blob);
      await fh.sync();
    } finally {
      await fh.close();
    }
  });
  await unlink(path);
  return { hashMs: hash.ms, writeMs: write.ms };
}
