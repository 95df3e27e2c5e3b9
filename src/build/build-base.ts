import { readFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { fullName, unpackFor, type ImageStore } from "../image/index.js";
import { BerthError, InvalidArgumentError, type Descriptor } from "../oci/index.js";
import { readAptSources, sourcesForSuite, type AptSource } from "./apt-sources.js";
import { ArchiveCache } from "./archive-cache.js";
import { lockMatches, readBaseLock, writeBaseLock, type BaseLock, type LockedPackage, type LockRequest } from "./base-lock.js";
import { baseMetadata, CA_BUNDLE, type InstalledPackage } from "./base-metadata.js";
import { writeBaseImage } from "./base-image-writer.js";
import { loadBaseSpec, type BaseSpec } from "./base-spec.js";
import { readDeb } from "./deb-archive.js";
import { hostDebianArchitecture, hostSuite, platformOfDebianArchitecture } from "./debian-platform.js";
import { resolveDependencies } from "./dependency-resolver.js";
import { BadPackageError } from "./errors.js";
import { writeLayer, type WrittenLayer } from "./layer-writer.js";
import { loadPackagesIndex } from "./package-sources.js";
import { RootfsTree } from "./rootfs-tree.js";
import { isSlimExcluded } from "./slim-excludes.js";

export interface BuildBaseOptions {
  /** Image name to record, e.g. `localhost/base/node:18`. */
  readonly reference: string;
  /** Mirror base URL (`http://host/debian`); wins over the spec's and the machine's apt sources. */
  readonly mirror?: string;
  /** Lock file; default `<spec>.lock`. */
  readonly lockPath?: string;
  /** Resolve again and rewrite the lock even when one exists. */
  readonly updateLock?: boolean;
  /** Download cache; default `<store root>/build-cache`. */
  readonly cacheDir?: string;
  /** Root of the filesystem whose `etc/apt` holds the sources (default "/"). */
  readonly aptRoot?: string;
  /** SOURCE_DATE_EPOCH and proxy settings come from here (default process.env). */
  readonly env?: NodeJS.ProcessEnv;
  /** Unpack the image into snapshots so it can run at once (default true). */
  readonly unpack?: boolean;
  /** One human-readable line per step. */
  readonly onProgress?: (line: string) => void;
}

/** What a build made. */
export interface BuiltBase {
  readonly name: string;
  readonly descriptor: Descriptor;
  readonly packages: readonly LockedPackage[];
  /** Packages layer first, then berth's metadata layer. */
  readonly layers: readonly WrittenLayer[];
  readonly lockPath: string;
  /** True when this build resolved packages and wrote the lock. */
  readonly isLockWritten: boolean;
}

const PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/**
 * `berth base build SPEC -t REF`: a distroless base image from Debian
 * packages, stored in `store` under `opts.reference`.
 *
 * Without a lock (or with `updateLock`): mirrors from the spec / `--mirror`
 * / the machine's apt sources, InRelease checked with gpgv, Packages indexes
 * and dependencies resolved, the lock written. With a lock: no index is
 * read, the pinned .debs come from the cache (or the pinned URLs) and the
 * image is byte-identical to the last build from that lock. Every .deb is
 * checked against its SHA256 before it is opened.
 *
 * Manuals, docs (but copyright files) and translations are left out, as
 * Debian's slim images do (slim-excludes.ts).
 * Two layers, both gzip: every package's files, then the files berth writes
 * (dpkg status.d, passwd/group, nsswitch.conf, the CA bundle).
 * Throws ChecksumMismatchError, SignatureError, UnsatisfiableDependencyError,
 * BadPackageError, MirrorUnavailableError or InvalidArgumentError (spec, lock).
 */
export async function buildBase(store: ImageStore, specPath: string, opts: BuildBaseOptions): Promise<BuiltBase> {
  const progress = opts.onProgress ?? (() => undefined);
  const spec = await loadBaseSpec(specPath);
  const name = fullName(opts.reference).name;
  const cache = new ArchiveCache(opts.cacheDir ?? join(store.root, "build-cache"), { env: opts.env ?? process.env });
  const { lock, lockPath, isLockWritten } = await lockFor(spec, specPath, cache, opts);
  const platform = platformOfDebianArchitecture(lock.request.architecture);
  const epoch = lock.sourceDateEpoch;
  const { packageTree, installed } = await installPackages(lock.packages, cache, progress);
  const metaTree = baseMetadata(installed, spec.user, packageTree, spec.debianSlim);
  if (spec.workdir && !packageTree.get(spec.workdir.slice(1))) metaTree.add({ path: spec.workdir.slice(1), type: "directory", mode: 0o755 }, "berth");
  const env = new Map([["PATH", PATH], ...(metaTree.get(CA_BUNDLE) ? [["SSL_CERT_FILE", `/${CA_BUNDLE}`] as const] : []), ...Object.entries(spec.env)]);

  return store.withLease(async () => {
    progress("Writing layers");
    const layers = [await writeLayer(packageTree.sorted(), epoch, store.content), await writeLayer(metaTree.sorted(), epoch, store.content)];
    const descriptor = await writeBaseImage(layers, {
      platform, epochSeconds: epoch, user: `${spec.user.uid}:${spec.user.gid}`,
      env: [...env].map(([k, v]) => `${k}=${v}`),
      ...(spec.entrypoint && { entrypoint: spec.entrypoint }), ...(spec.cmd && { cmd: spec.cmd }), ...(spec.workdir && { workdir: spec.workdir }),
      labels: spec.labels,
      history: [`berth base build: ${lock.packages.length} Debian packages from ${lock.request.suite}`, "berth base build: dpkg status.d, users, nsswitch.conf, CA bundle"],
    }, store.content);
    await store.setName(name, descriptor);
    if (opts.unpack !== false) await unpackFor(store, descriptor, platform);
    progress(`Built ${name} ${descriptor.digest}`);
    return { name, descriptor, packages: lock.packages, layers, lockPath, isLockWritten };
  });
}

/** The lock to build from: the existing one when it matches the spec, else a fresh resolution, written. */
async function lockFor(spec: BaseSpec, specPath: string, cache: ArchiveCache, opts: BuildBaseOptions): Promise<{ lock: BaseLock; lockPath: string; isLockWritten: boolean }> {
  const progress = opts.onProgress ?? (() => undefined);
  const lockPath = opts.lockPath ?? `${specPath}.lock`;
  const mirror = opts.mirror ?? spec.mirror;
  const hostSources = spec.suite && mirror ? [] : await readAptSources(opts.aptRoot ?? "/");
  const suite = spec.suite ?? hostSuite(hostSources);
  if (!suite) throw new InvalidArgumentError(`${specPath}: suite: not set and the machine has no apt sources to take it from`, { hint: "add suite: bookworm" });
  const architecture = spec.architecture ?? hostDebianArchitecture();
  platformOfDebianArchitecture(architecture); // refuse an unknown architecture before any download
  const request: LockRequest = { suite, architecture, components: spec.components, packages: spec.packages, exclude: spec.exclude, debianSlim: spec.debianSlim };

  const existing = opts.updateLock ? undefined : await readBaseLock(lockPath);
  if (existing) {
    if (lockMatches(existing, request)) return { lock: existing, lockPath, isLockWritten: false };
    throw new BerthError("FAILED_PRECONDITION", `${lockPath}: made for another request than ${specPath} now asks for`, { hint: "run with --update-lock to resolve again" });
  }
  const sources: AptSource[] = mirror ? [{ uri: mirror, suite, components: spec.components }] : sourcesForSuite(hostSources, suite, spec.components);
  if (sources.length === 0) {
    throw new BerthError("NOT_FOUND", `no apt source serves suite ${suite} with components ${spec.components.join(", ")}`, { hint: "pass --mirror URL or set mirror: in the spec" });
  }
  const lock = await resolveLock(spec, request, sources, cache, opts.env ?? process.env, progress);
  await writeBaseLock(lockPath, lock);
  progress(`Wrote ${lockPath} (${lock.packages.length} packages)`);
  return { lock, lockPath, isLockWritten: true };
}

/** Fetch, verify and unpack every pinned package into one tree, in lock order. */
async function installPackages(packages: readonly LockedPackage[], cache: ArchiveCache, progress: (line: string) => void): Promise<{ packageTree: RootfsTree; installed: InstalledPackage[] }> {
  const debs = await fetchDebs(packages, cache, progress);
  // Decompressing is the slow part (an xz process per package): four at a time, placed in lock order.
  const contents = await mapLimit(packages, 4, async (p, i) => {
    const file = basename(new URL(p.url).pathname);
    const deb = await readDeb(await readFile(debs[i]!), file);
    if (!new RegExp(`^Package: ${p.name.replace(/[.+]/g, "\\$&")}$`, "m").test(deb.control)) throw new BadPackageError(file, `control file is not for package ${p.name}`);
    return { file, deb };
  });
  const packageTree = new RootfsTree();
  const installed: InstalledPackage[] = [];
  for (const [i, { file, deb }] of contents.entries()) {
    for (const e of deb.data) if (!isSlimExcluded(e.path)) packageTree.add(e, file);
    installed.push({ name: packages[i]!.name, control: deb.control, ...(deb.md5sums !== undefined && { md5sums: deb.md5sums }) });
  }
  return { packageTree, installed };
}

async function resolveLock(
  spec: BaseSpec, request: LockRequest, sources: readonly AptSource[], cache: ArchiveCache, env: NodeJS.ProcessEnv, progress: (line: string) => void,
): Promise<BaseLock> {
  const index = await loadPackagesIndex(sources, request.architecture, cache, progress);
  const names = spec.debianSlim ? [...index.newest((r) => r.priority === "required").map((r) => r.name), "apt", ...spec.packages] : spec.packages;
  const records = resolveDependencies(index, [...new Set(names)], { includeRequired: spec.debianSlim, exclude: spec.exclude });
  progress(`Resolved ${records.length} packages: ${records.map((r) => r.name).join(" ")}`);
  return {
    lockVersion: 1,
    request,
    sourceDateEpoch: sourceDateEpoch(env),
    packages: records.map((r) => ({ name: r.name, version: r.version, architecture: r.architecture, url: `${r.baseUrl}/${r.filename}`, sha256: r.sha256, size: r.size })),
  };
}

/** SOURCE_DATE_EPOCH as reproducible-builds.org defines it; 0 when unset. */
function sourceDateEpoch(env: NodeJS.ProcessEnv): number {
  const v = env.SOURCE_DATE_EPOCH;
  if (v === undefined || v === "") return 0;
  if (!/^\d{1,12}$/.test(v)) throw new InvalidArgumentError(`SOURCE_DATE_EPOCH: should be the number of seconds since 1970-01-01 UTC, got ${JSON.stringify(v)}`);
  return Number(v);
}

/** Download (or find in the cache) every pinned .deb, four at a time; paths in `packages` order. */
function fetchDebs(packages: readonly LockedPackage[], cache: ArchiveCache, progress: (line: string) => void): Promise<string[]> {
  return mapLimit(packages, 4, async (p) => {
    if (!(await cache.hasVerified(p.sha256))) progress(`Get ${p.url} (${p.size} bytes)`);
    return cache.fetchVerified(p.url, p.sha256, basename(new URL(p.url).pathname));
  });
}

/** `fn` over `items` with at most `limit` running at once; results in input order; the first failure rejects. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
