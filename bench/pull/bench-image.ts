import { createWriteStream } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import { join, posix } from "node:path";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import { pack as tarPack, type Pack } from "tar-stream";
import { HashTap } from "../harness/hash-tap.js";
import { runPool } from "../harness/pool.js";
import { FIXTURE_CREATED, FIXTURE_EPOCH, MediaType, type Descriptor } from "../../test/fixtures/make-image.js";
import { tagInIndex, writeBlob, writeJsonBlob } from "../../test/fixtures/oci-layout-writer.js";
import { contentBytes } from "./layer-content.js";
import { planTotals, type LayerSpec } from "./layer-plan.js";

/** One layer as written: both names (src/oci/README.md) and both sizes. */
export interface BenchLayer {
  readonly name: string;
  /** sha256 of the gzip bytes, as the manifest names it. */
  readonly digest: string;
  readonly size: number;
  /** sha256 of the tar, as the config's rootfs.diff_ids lists it. */
  readonly diffId: string;
  readonly tarSize: number;
}

/** The bench image in an OCI layout. */
export interface BenchImage {
  readonly layoutDir: string;
  readonly tag: string;
  readonly manifest: Descriptor;
  readonly config: Descriptor;
  /** Base first. */
  readonly layers: readonly BenchLayer[];
  /** Regular files and their bytes in the unpacked rootfs. */
  readonly files: number;
  readonly fileBytes: number;
}

/** Layers built at once: gzip runs on libuv's pool, so two keep both cores busy. */
const LAYERS_AT_ONCE = 2;
const BUILD_TIMEOUT_MS = 600_000;

/**
 * Write the image planned by `plan` into the OCI layout `layoutDir` (created) and tag it `tag`:
 * tar-stream entries sorted by path with parents first, owner 0:0, mtime FIXTURE_EPOCH, gzip at
 * zlib's default level, an OCI manifest and a config for this host's architecture with correct
 * diff_ids. Same plan, same bytes (the gzip bytes for one zlib build).
 */
export async function makeBenchImage(layoutDir: string, plan: readonly LayerSpec[], tag: string): Promise<BenchImage> {
  const blobs = join(layoutDir, "blobs", "sha256");
  await mkdir(blobs, { recursive: true });
  const layers: BenchLayer[] = new Array<BenchLayer>(plan.length);
  await runPool({ count: plan.length, concurrency: LAYERS_AT_ONCE, timeoutMs: BUILD_TIMEOUT_MS }, async (i) => {
    layers[i] = await writeLayer(blobs, plan[i]!);
  });
  const config = await writeBlob(layoutDir, MediaType.config, configBytes(layers));
  const manifest = await writeJsonBlob(layoutDir, MediaType.manifest, {
    schemaVersion: 2,
    mediaType: MediaType.manifest,
    config,
    layers: layers.map((l) => ({ mediaType: MediaType.layerGzip, digest: l.digest, size: l.size })),
  });
  await tagInIndex(layoutDir, manifest, tag);
  const totals = planTotals(plan);
  return { layoutDir, tag, manifest, config, layers, files: totals.files, fileBytes: totals.bytes };
}

const OCI_ARCH: Readonly<Record<string, string>> = { x64: "amd64", arm64: "arm64", ia32: "386", arm: "arm", s390x: "s390x", ppc64: "ppc64le", riscv64: "riscv64" };
/** OCI's name for this host's CPU, so docker pull takes the image without a platform warning. */
const ociArch = (): string => OCI_ARCH[process.arch] ?? process.arch;

function configBytes(layers: readonly BenchLayer[]): Buffer {
  return Buffer.from(JSON.stringify({
    created: FIXTURE_CREATED,
    architecture: ociArch(),
    os: "linux",
    config: { Env: ["PATH=/usr/bin:/bin"], WorkingDir: "/" },
    rootfs: { type: "layers", diff_ids: layers.map((l) => l.diffId) },
    history: layers.map((l) => ({ created: FIXTURE_CREATED, created_by: `berth pull bench: layer ${l.name}` })),
  }));
}

/** A tar header as tar-stream takes it. */
type EntryHeader = Parameters<Pack["entry"]>[0];

const EXT = { random: "bin", sparse: "dat", log: "log", records: "json", source: "txt" } as const;

async function writeLayer(blobsDir: string, spec: LayerSpec): Promise<BenchLayer> {
  const pack = tarPack();
  const tarTap = new HashTap();
  const gzTap = new HashTap();
  const tmp = join(blobsDir, `.partial-${spec.name}`);
  const written = pipeline(pack, tarTap, createGzip(), gzTap, createWriteStream(tmp));
  // An entry never calls back once the pipeline has failed; racing with this lets that error through.
  const failed = written.then(() => new Promise<never>(() => undefined));
  failed.catch(() => undefined);
  try {
    for (const entry of layerEntries(spec)) await Promise.race([addEntry(pack, entry.header, entry.body), failed]);
    pack.finalize();
    await written;
  } catch (err) {
    pack.destroy(err as Error);
    await written.catch(() => undefined);
    await rm(tmp, { force: true });
    throw new Error(`bench image: layer ${spec.name}: ${(err as Error).message}`, { cause: err });
  }
  const digest = gzTap.digest();
  await rename(tmp, join(blobsDir, digest.slice("sha256:".length)));
  return { name: spec.name, digest, size: gzTap.bytes, diffId: tarTap.digest(), tarSize: tarTap.bytes };
}

/** The layer's tar entries in order: groups by directory, each preceded by its parents not yet written. */
function* layerEntries(spec: LayerSpec): Generator<{ header: EntryHeader; body?: Buffer }> {
  const owner = { uid: 0, gid: 0, uname: "", gname: "", mtime: new Date(FIXTURE_EPOCH * 1000) };
  const dirs = new Set<string>();
  for (const g of [...spec.groups].sort((a, b) => (a.dir < b.dir ? -1 : 1))) {
    for (const dir of parents(g.dir).filter((d) => !dirs.has(d))) {
      dirs.add(dir);
      yield { header: { ...owner, name: `${dir}/`, type: "directory", mode: 0o755 } };
    }
    // One buffer per group, cut into files: one generator call instead of thousands.
    const all = contentBytes(g.kind, g.count * g.bytes, `${spec.name}/${g.dir}`);
    for (let i = 0; i < g.count; i++) {
      const body = all.subarray(i * g.bytes, (i + 1) * g.bytes);
      const name = `${g.dir}/f${String(i).padStart(5, "0")}.${EXT[g.kind]}`;
      yield { header: { ...owner, name, type: "file", mode: 0o644, size: body.length }, body };
    }
  }
}

/** `a/b/c` → `a`, `a/b`, `a/b/c`. */
function parents(dir: string): string[] {
  const out: string[] = [];
  for (let d = dir; d !== "." && d !== "/" && d !== ""; d = posix.dirname(d)) out.unshift(d);
  return out;
}

function addEntry(pack: Pack, header: EntryHeader, body?: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const cb = (err?: Error | null): void => (err ? reject(err) : resolve());
    if (body === undefined) pack.entry(header, cb);
    else pack.entry(header, body, cb);
  });
}
