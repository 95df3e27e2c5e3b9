import { execFileSync } from "node:child_process";
import { randomFillSync } from "node:crypto";
import { loadavg } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Bench } from "./harness/bench.js";
import type { Cleanup } from "./harness/cleanup.js";
import { HttpClient } from "./harness/http-client.js";
import { median, spread } from "./harness/stats.js";
import { printTable, ratioOf, formatValue, type TableRow } from "./harness/table.js";
import { makeTempDir } from "./harness/temp-dir.js";
import { mibPerSec, timed } from "./harness/timing.js";
import { parseRegistryBenchOptions, REGISTRY_USAGE, type RegistryBenchOptions } from "./registry/registry-options.js";
import { makeSmallImage, pullBlob, pushChunked, pushMonolithic, pushSmallImage } from "./registry/registry-ops.js";
import { floorOnce, makeBlobSet, manifestGetLoad, restamp, settleDisk, smallPushLoad } from "./registry/registry-loads.js";
import { DISTRIBUTION_BIN, startBerth, startDistribution, type BenchRegistry } from "./registry/registry-servers.js";

// dist/bench/registry.bench.js → <repo>/bin/berth.cjs
const BERTH_BIN = fileURLToPath(new URL("../../bin/berth.cjs", import.meta.url));

const MiB = 1024 * 1024;
const CHUNK_BYTES = 8 * MiB;
const MANIFEST_GETS = 2000;
const MANIFEST_CONCURRENCY = 32;
const SMALL_PUSHES = 200;
const SMALL_BYTES = 16 * 1024;
const SMALL_CONCURRENCY = 16;
const MANIFEST_REPO = "bench/manifest";
// berth's handlers (and this client) run under a JIT that needs a few thousand calls to settle;
// distribution is compiled ahead of time. Both get the same warm-up.
const MANIFEST_WARMUP_GETS = 4000;

type RowId = "push" | "pull" | "chunked" | "manifestRps" | "manifestP99" | "small";
type SideName = "berth" | "peer";

interface RowSpec {
  readonly id: RowId;
  readonly label: string;
  readonly unit: string;
  readonly better: "higher" | "lower";
  readonly target: number;
}

function rowSpecs(blobMiB: number): readonly RowSpec[] {
  return [
    { id: "push", label: `blob push ${blobMiB} MiB, POST + 1 PUT`, unit: "MiB/s", better: "higher", target: 1.0 },
    { id: "pull", label: `blob pull ${blobMiB} MiB, GET`, unit: "MiB/s", better: "higher", target: 1.0 },
    { id: "chunked", label: `blob push ${blobMiB} MiB, PATCH 8 MiB chunks`, unit: "MiB/s", better: "higher", target: 1.0 },
    { id: "manifestRps", label: `manifest GET by tag x${MANIFEST_GETS}, c=${MANIFEST_CONCURRENCY}`, unit: "req/s", better: "higher", target: 1.5 },
    { id: "manifestP99", label: "manifest GET p99 latency", unit: "ms", better: "lower", target: 1.0 },
    { id: "small", label: `blob push 16 KiB x${SMALL_PUSHES}, c=${SMALL_CONCURRENCY}`, unit: "push/s", better: "higher", target: 1.0 },
  ];
}

interface Side {
  readonly name: SideName;
  readonly reg: BenchRegistry;
  readonly client: HttpClient;
}

type Samples = Record<RowId, Record<SideName, number[]>>;

const log = (line: string): void => void process.stderr.write(`${line}\n`);

/** Start the requested sides; a side that fails is reported and left out. */
async function startSides(opts: RegistryBenchOptions, dir: string, cleanup: Cleanup): Promise<{ sides: Side[]; failed: string[] }> {
  const sides: Side[] = [];
  const failed: string[] = [];
  const starters: [SideName, () => Promise<BenchRegistry>][] = [
    ["berth", () => startBerth(BERTH_BIN, dir)],
    ["peer", () => startDistribution(dir, opts.peerCache)],
  ];
  for (const [name, start] of starters) {
    if (opts.only !== undefined && opts.only !== name) continue;
    try {
      const reg = await start();
      const client = new HttpClient(reg.url, { maxSockets: MANIFEST_CONCURRENCY });
      cleanup.defer(`stop ${reg.server.name} (pid ${reg.server.pid})`, async () => {
        client.close();
        await reg.server.stop();
      });
      log(`started ${reg.server.name} at ${reg.url} (pid ${reg.server.pid})`);
      sides.push({ name, reg, client });
    } catch (err) {
      failed.push(name);
      log(`${name} did not start, continuing without it: ${(err as Error).message}`);
    }
  }
  return { sides, failed };
}

/** Same warm-up for each side: /v2/ pings, an 8 MiB push and pull, small pushes, the manifest image and 4,000 GETs of it. */
async function warmUp(side: Side, blob: Buffer, manifestSize: number, image: ReturnType<typeof makeSmallImage>): Promise<void> {
  for (let i = 0; i < 10; i++) await side.client.request("GET", "/v2/", { expect: [200] });
  const warm = Buffer.from(blob.subarray(0, 8 * MiB));
  const digest = restamp(warm, "warmup");
  await pushMonolithic(side.client, "bench/warmup", warm, digest);
  await pullBlob(side.client, "bench/warmup", digest, warm.length);
  await smallPushLoad(side.client, "bench/warmup", makeBlobSet(SMALL_CONCURRENCY, SMALL_BYTES), SMALL_CONCURRENCY);
  await pushSmallImage(side.client, MANIFEST_REPO, "v1", image);
  await manifestGetLoad(side.reg.url, MANIFEST_REPO, "v1", manifestSize, MANIFEST_WARMUP_GETS, MANIFEST_CONCURRENCY);
}

/** One run of every row on every side, sides in `order`. */
async function runOnce(run: number, order: readonly Side[], blob: Buffer, manifestSize: number, samples: Samples): Promise<void> {
  const record = (row: RowId, side: Side, v: number): void => void samples[row][side.name].push(v);
  const monoDigest = restamp(blob, `bench mono run ${run}`);
  for (const s of order) {
    await settleDisk();
    const { ms } = await timed(() => pushMonolithic(s.client, `bench/mono-r${run}`, blob, monoDigest));
    record("push", s, mibPerSec(blob.length, ms));
  }
  for (const s of order) {
    await settleDisk();
    const { ms } = await timed(() => pullBlob(s.client, `bench/mono-r${run}`, monoDigest, blob.length));
    record("pull", s, mibPerSec(blob.length, ms));
  }
  const chunkDigest = restamp(blob, `bench chunked run ${run}`);
  for (const s of order) {
    await settleDisk();
    const { ms } = await timed(() => pushChunked(s.client, `bench/chunked-r${run}`, blob, chunkDigest, CHUNK_BYTES));
    record("chunked", s, mibPerSec(blob.length, ms));
  }
  for (const s of order) {
    const r = await manifestGetLoad(s.reg.url, MANIFEST_REPO, "v1", manifestSize, MANIFEST_GETS, MANIFEST_CONCURRENCY);
    record("manifestRps", s, r.rps);
    record("manifestP99", s, r.p99Ms);
  }
  const smalls = makeBlobSet(SMALL_PUSHES, SMALL_BYTES);
  for (const s of order) {
    await settleDisk();
    record("small", s, await smallPushLoad(s.client, `bench/small-r${run}`, smalls, SMALL_CONCURRENCY));
  }
}

function distributionVersion(): string {
  try {
    return execFileSync(DISTRIBUTION_BIN, ["--version"], { encoding: "utf8", timeout: 5000 }).trim();
  } catch {
    return `${DISTRIBUTION_BIN} (version unknown)`;
  }
}

function summarize(specs: readonly RowSpec[], samples: Samples): TableRow[] {
  const med = (v: number[]): number | undefined => (v.length > 0 ? median(v) : undefined);
  return specs.map((r) => ({
    label: r.label, unit: r.unit, better: r.better, target: r.target,
    berth: med(samples[r.id].berth),
    peer: med(samples[r.id].peer),
    spread: {
      ...(samples[r.id].berth.length > 0 && { berth: spread(samples[r.id].berth) }),
      ...(samples[r.id].peer.length > 0 && { peer: spread(samples[r.id].peer) }),
    },
  }));
}

function emptySamples(): Samples {
  const sides = (): Record<SideName, number[]> => ({ berth: [], peer: [] });
  return { push: sides(), pull: sides(), chunked: sides(), manifestRps: sides(), manifestP99: sides(), small: sides() };
}

/** MiB/s medians of the machine floor: sha256 alone, write + fsync alone, and both one after the other. */
interface Floor {
  readonly hash: number;
  readonly write: number;
  readonly both: number;
}

async function measureFloor(blob: Buffer, dir: string, runs: number): Promise<Floor> {
  log(`floor: sha256 + writeFile + fsync of ${blob.length / MiB} MiB, ${runs} runs`);
  const hash: number[] = [];
  const write: number[] = [];
  const both: number[] = [];
  for (let i = 0; i < runs; i++) {
    await settleDisk();
    const f = await floorOnce(blob, join(dir, "floor.bin"));
    hash.push(mibPerSec(blob.length, f.hashMs));
    write.push(mibPerSec(blob.length, f.writeMs));
    both.push(mibPerSec(blob.length, f.hashMs + f.writeMs));
  }
  return { hash: median(hash), write: median(write), both: median(both) };
}

const loadNow = (): string => loadavg().map((l) => l.toFixed(2)).join(" ");

interface Report {
  readonly opts: RegistryBenchOptions;
  readonly tmpPath: string;
  readonly rows: readonly TableRow[];
  readonly floor: Floor;
  readonly failed: readonly string[];
  readonly loadAtStart: string;
}

function printReport({ opts, tmpPath, rows, floor, failed, loadAtStart }: Report): void {
  const out = (l: string): void => void process.stdout.write(`${l}\n`);
  const cache = opts.peerCache === "none" ? "OFF (none; distribution's default when storage.cache is absent)" : "ON (inmemory)";
  out(`\nregistry bench: berth vs distribution, medians of ${opts.runs} runs, berth/peer order alternating per run`);
  out(`  berth: node bin/berth.cjs registry serve (filesystem root under ${tmpPath})`);
  out(`  peer:  ${distributionVersion()}, filesystem driver in the same temp dir, blobdescriptor cache ${cache}, access log off`);
  out("  client: this process; node:http keep-alive Agent for blobs and pushes, a minimal keep-alive socket client for manifest GETs;" +
    " sync before each blob row (untimed)");
  out(`  load average at start ${loadAtStart}, at end ${loadNow()} (2 cores; other work on the machine shows up as spread)`);
  if (failed.length > 0) out(`  NOT RUN: ${failed.join(", ")} did not start (see stderr)`);
  printTable("results", rows, "peer");
  out(`\nmachine floor for the blob rows: sha256 in memory then writeFile + fsync of ${opts.blobMiB} MiB = ${formatValue(floor.both)} MiB/s` +
    ` (sha256 alone ${formatValue(floor.hash)} MiB/s, write + fsync alone ${formatValue(floor.write)} MiB/s)`);
  const pct = (v: number | undefined): string => (v === undefined ? "-" : `${Math.round((v / floor.both) * 100)}%`);
  for (const r of rows.slice(0, 3)) {
    out(`  ${r.label.padEnd(40)} berth ${pct(r.berth).padStart(4)} of floor, peer ${pct(r.peer).padStart(4)}`);
  }
  out("  (pulls read the blob just written, from page cache, so they can pass the floor)");
  const below = rows.filter((r) => (ratioOf(r) ?? Infinity) < r.target).length;
  const unrated = rows.filter((r) => ratioOf(r) === undefined).length;
  out(`\ntargets: >=1.0x the peer on every row, >=1.5x on manifest GET req/s; ${below} row(s) below` +
    `${unrated > 0 ? `, ${unrated} not rated (a side is missing)` : ""}.`);
}

async function runRegistryBench(args: readonly string[], cleanup: Cleanup): Promise<number> {
  let opts: RegistryBenchOptions;
  try {
    opts = parseRegistryBenchOptions(args);
  } catch (err) {
    log(`${(err as Error).message}\n${REGISTRY_USAGE}`);
    return 2;
  }
  const began = Date.now();
  const loadAtStart = loadNow();
  const tmp = await makeTempDir("berth-bench-registry-");
  cleanup.defer(`remove ${tmp.path}`, tmp.remove);
  const blob = Buffer.allocUnsafe(opts.blobMiB * MiB);
  randomFillSync(blob);
  const floor = await measureFloor(blob, tmp.path, opts.runs);

  const { sides, failed } = await startSides(opts, tmp.path, cleanup);
  if (sides.length === 0) {
    log("no registry started; nothing to measure");
    return 1;
  }
  const image = makeSmallImage();
  for (const s of sides) await warmUp(s, blob, image.manifest.length, image);

  const specs = rowSpecs(opts.blobMiB);
  const samples = emptySamples();
  try {
    for (let run = 0; run < opts.runs; run++) {
      // Alternate who goes first so drift (page cache, writeback, other load) hits both alike.
      const order = run % 2 === 0 ? sides : [...sides].reverse();
      const t = await timed(() => runOnce(run, order, blob, image.manifest.length, samples));
      const values = specs.map((r) => `${r.id} ${order.map((s) => `${s.name[0]}=${formatValue(samples[r.id][s.name][run])}`).join(" ")}`);
      log(`run ${run + 1}/${opts.runs} (${order.map((s) => s.name).join(" then ")}, ${(t.ms / 1000).toFixed(1)} s): ${values.join(" | ")}`);
    }
  } catch (err) {
    for (const s of sides) {
      const tail = s.reg.server.output().trim();
      if (tail !== "") log(`--- ${s.reg.server.name} output (tail) ---\n${tail}`);
    }
    throw err;
  }
  printReport({ opts, tmpPath: tmp.path, rows: summarize(specs, samples), floor, failed, loadAtStart });
  process.stdout.write(`total ${((Date.now() - began) / 1000).toFixed(0)} s\n`);
  return failed.length > 0 ? 1 : 0;
}

/** berth's registry against CNCF distribution (Debian's docker-registry). */
export const registryBench: Bench = {
  name: "registry",
  description: "berth registry vs distribution 2.8 (docker-registry): blob push/pull, chunked push, manifest GETs, small pushes",
  run: runRegistryBench,
};
