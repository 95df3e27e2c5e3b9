import { createReadStream } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import type { Cleanup } from "../harness/cleanup.js";
import { HashTap } from "../harness/hash-tap.js";
import { HttpClient } from "../harness/http-client.js";
import { runPool } from "../harness/pool.js";
import { median } from "../harness/stats.js";
import { timed } from "../harness/timing.js";
import { pushMonolithic } from "../registry/registry-ops.js";
import type { BenchImage } from "./bench-image.js";
import { startScratchRegistry } from "./scratch-registry.js";

/** Layers inflated at once: 2 cores. */
const INFLATE_AT_ONCE = 2;
/** Blobs pushed at once: the registry hashes and writes on its own threads, so 4 in flight beat 2 here. */
const PUSH_AT_ONCE = 4;
const FLOOR_TIMEOUT_MS = 300_000;

const blobPath = (image: BenchImage, digest: string): string =>
  join(image.layoutDir, "blobs", "sha256", digest.slice("sha256:".length));

/**
 * Seconds to do the CPU work any verifying pull must do, and nothing else: read each gzip layer
 * from the layout (page cache), sha256 it, gunzip it, sha256 the tar, drop the bytes; two layers
 * at once. No HTTP, no files written. Throws when a digest or diffID differs from the image's.
 */
export async function inflateFloorOnce(image: BenchImage): Promise<number> {
  const { ms } = await timed(() => runPool({ count: image.layers.length, concurrency: INFLATE_AT_ONCE, timeoutMs: FLOOR_TIMEOUT_MS }, async (i) => {
    const layer = image.layers[i]!;
    const gz = new HashTap();
    const tar = new HashTap();
    const sink = new Writable({ write: (_c: Buffer, _e, cb) => cb() });
    await pipeline(createReadStream(blobPath(image, layer.digest)), gz, createGunzip(), tar, sink);
    if (gz.digest() !== layer.digest || tar.digest() !== layer.diffId) {
      throw new Error(`floor: layer ${layer.name} does not match its digest or diffID; the layout is damaged`);
    }
  }));
  return ms / 1000;
}

/**
 * Seconds the registry itself needs to take the image: every blob (already in memory) as a POST
 * and one PUT with the whole body, four at a time, then the manifest, into a new empty
 * docker-registry under `workDir`. A push or copy tool cannot beat this against that registry.
 */
export async function pushFloorOnce(image: BenchImage, workDir: string, run: number, cleanup: Cleanup): Promise<number> {
  const blobs = [image.config, ...image.layers];
  const bodies = await Promise.all(blobs.map((b) => readFile(blobPath(image, b.digest))));
  const manifest = await readFile(blobPath(image, image.manifest.digest));
  const reg = await startScratchRegistry(workDir, `floor-registry-r${run}`, cleanup);
  const client = new HttpClient(reg.url, { maxSockets: PUSH_AT_ONCE });
  try {
    const { ms } = await timed(async () => {
      await runPool({ count: blobs.length, concurrency: PUSH_AT_ONCE, timeoutMs: FLOOR_TIMEOUT_MS }, async (i, signal) => {
        await pushMonolithic(client, "bench/floor", bodies[i]!, blobs[i]!.digest, signal);
      });
      await client.request("PUT", `/v2/bench/floor/manifests/${image.tag}`, {
        body: manifest, headers: { "content-type": image.manifest.mediaType }, expect: [201],
      });
    });
    return ms / 1000;
  } finally {
    client.close();
    await reg.dispose();
  }
}

/** Medians over `runs` of both floors, in seconds. */
export interface Floors {
  readonly inflate: number;
  readonly push: number;
}

/** Measure both floors `runs` times each and return the medians. */
export async function measureFloors(image: BenchImage, workDir: string, runs: number, cleanup: Cleanup): Promise<Floors> {
  const inflate: number[] = [];
  const push: number[] = [];
  for (let run = 0; run < runs; run++) {
    inflate.push(await inflateFloorOnce(image));
    push.push(await pushFloorOnce(image, workDir, run, cleanup));
  }
  return { inflate: median(inflate), push: median(push) };
}
