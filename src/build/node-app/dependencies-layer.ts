import { spawn } from "node:child_process";
import { copyFile, mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { delimiter, dirname, join } from "node:path";
import * as z from "zod";
import { writeFileAtomic } from "../../content/index.js";
import { ensureTopDirectory, type ImageStore } from "../../image/index.js";
import { lazy, MediaType, parseDigest } from "../../oci/index.js";
import { writeLayer, type WrittenLayer } from "../layer-writer.js";
import { readContextTree } from "./context-tree.js";
import { dependenciesCacheKey } from "./dependencies-cache-key.js";
import { MissingLockfileError, NativeAddonMismatchError, NpmInstallError } from "./errors.js";
import { mismatchedAddons } from "./native-addons.js";
import type { PackageManifest } from "./package-manifest.js";

/** Options for {@link dependenciesLayer}. */
export interface DependenciesLayerOptions {
  /** `<cache>/node-deps/<key>.json` records layers; `<cache>/tmp` holds the staging copies. */
  readonly cacheDir: string;
  readonly baseDigest: string;
  /** Timestamps of the tar entries. */
  readonly epoch: number;
  /** The image's Node.js ABI; addons built for another are refused. Undefined: not checked. */
  readonly imageAbi?: number;
  /** Run npm even when the key has a stored layer. */
  readonly noCache?: boolean;
  /** Environment of npm (its registry config, proxies); default process.env. */
  readonly env?: NodeJS.ProcessEnv;
  /** npm is killed after this long (default 10 minutes). */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

/** The layer holding `/app/node_modules`. */
export interface DependenciesLayer {
  readonly layer: WrittenLayer;
  readonly key: string;
  /** True when the stored layer was reused and npm did not run. */
  readonly isCached: boolean;
}

const LayerRecord = lazy(() => z.object({ digest: z.string(), size: z.number(), diffId: z.string(), uncompressedSize: z.number() }));
const LOCKFILES = ["npm-shrinkwrap.json", "package-lock.json"] as const;

/**
 * The production dependencies of the project at `dir` as one layer at
 * `/app/node_modules`: `npm ci --omit=dev --ignore-scripts=false` runs on this
 * machine in a staging directory holding only package.json, the lockfile and
 * the project's .npmrc, with npm's own configuration (registry, proxy, auth).
 * Keyed by {@link dependenciesCacheKey}: a key seen before reuses its stored
 * blob without running npm. Undefined when the project installs nothing
 * (no dependencies and no lockfile, or an empty node_modules).
 *
 * Throws MissingLockfileError (dependencies without a lockfile),
 * NpmInstallError (npm failed, timed out or is missing) or
 * NativeAddonMismatchError.
 */
export async function dependenciesLayer(store: ImageStore, dir: string, manifest: PackageManifest, opts: DependenciesLayerOptions): Promise<DependenciesLayer | undefined> {
  const lockName = await firstExisting(dir, LOCKFILES);
  if (lockName === undefined) {
    if (manifest.hasDependencies) throw new MissingLockfileError(dir);
    return undefined;
  }
  const key = dependenciesCacheKey({
    manifest: manifest.raw, lockfile: await readFile(join(dir, lockName)), baseDigest: opts.baseDigest,
    toolchain: `modules ${process.versions.modules} ${process.arch}`,
  });
  const recordPath = join(opts.cacheDir, "node-deps", `${key}.json`);
  if (!opts.noCache) {
    const rec = LayerRecord().safeParse(await readJson(recordPath));
    if (rec.success && (await store.content.hasBlob(parseDigest(rec.data.digest)))) {
      const r = rec.data;
      return { key, isCached: true, layer: { descriptor: { mediaType: MediaType.OciLayerGzip, digest: parseDigest(r.digest), size: r.size }, diffId: parseDigest(r.diffId), uncompressedSize: r.uncompressedSize } };
    }
  }
  // Each install's node_modules is made and removed: spread over the filesystem (image's top-directory.ts).
  await ensureTopDirectory(join(opts.cacheDir, "tmp"));
  const staging = await mkdtemp(join(opts.cacheDir, "tmp", "npm-"));
  try {
    for (const f of ["package.json", lockName, ".npmrc"]) await copyFile(join(dir, f), join(staging, f)).catch((e: NodeJS.ErrnoException) => {
      if (f !== ".npmrc" || e.code !== "ENOENT") throw e;
    });
    await runNpmCi(staging, dir, opts);
    const tree = await readContextTree(join(staging, "node_modules"), "app/node_modules").catch((e: NodeJS.ErrnoException) => {
      if (e.code === "ENOENT") return undefined;
      throw e;
    });
    if (!tree || tree.entries.length <= 2) return undefined;
    if (opts.imageAbi !== undefined) {
      const bad = mismatchedAddons(tree.entries, opts.imageAbi);
      if (bad.files.length > 0) throw new NativeAddonMismatchError(bad.files.map((f) => `/${f}`), bad.abis.join(", "), opts.imageAbi);
    }
    const layer = await writeLayer(tree.entries, opts.epoch, store.content);
    await mkdir(dirname(recordPath), { recursive: true });
    await writeFileAtomic(recordPath, JSON.stringify({ digest: layer.descriptor.digest, size: layer.descriptor.size, diffId: layer.diffId, uncompressedSize: layer.uncompressedSize }));
    return { key, isCached: false, layer };
  } finally {
    await rm(staging, { recursive: true, force: true, maxRetries: 3 });
  }
}

/** `npm ci` in `staging`, with this process's node first in PATH so npm builds addons for it; output kept for the error. */
function runNpmCi(staging: string, project: string, opts: DependenciesLayerOptions): Promise<void> {
  const env = opts.env ?? process.env;
  const args = ["ci", "--omit=dev", "--ignore-scripts=false", "--no-audit", "--no-fund", "--loglevel=error"];
  return new Promise((resolve, reject) => {
    const child = spawn("npm", args, {
      cwd: staging, stdio: ["ignore", "pipe", "pipe"],
      env: { ...env, PATH: [dirname(process.execPath), env.PATH ?? ""].join(delimiter), NODE_ENV: "production" },
      ...(opts.signal && { signal: opts.signal }),
    });
    let output = "";
    const keep = (b: Buffer): void => {
      output = (output + b.toString("utf8")).slice(-4000);
    };
    child.stdout.on("data", keep);
    child.stderr.on("data", keep);
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 600_000);
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(new NpmInstallError(project, `cannot run npm: ${e.message}`, output, e));
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new NpmInstallError(project, signal ? `npm was killed by ${signal} (timeout ${(opts.timeoutMs ?? 600_000) / 1000} s?)` : `npm exited ${code}`, output.trim()));
    });
  });
}

async function firstExisting(dir: string, names: readonly string[]): Promise<string | undefined> {
  for (const n of names) if (await readFile(join(dir, n)).then(() => true, () => false)) return n;
  return undefined;
}

/** The JSON at `path`, or undefined when it is missing or torn: a cache record is rebuilt rather than trusted. */
const readJson = (path: string): Promise<unknown> => readFile(path, "utf8").then((t) => JSON.parse(t) as unknown).catch(() => undefined);
