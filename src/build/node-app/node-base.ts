import { createHash } from "node:crypto";
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import * as z from "zod";
import { writeFileAtomic } from "../../content/index.js";
import type { ImageStore } from "../../image/index.js";
import { type Descriptor, lazy, parseDigest } from "../../oci/index.js";
import { buildBase } from "../build-base.js";
import { readBaseLock } from "../base-lock.js";

/** Name of the node base in the image store. */
export const NODE_BASE_REFERENCE = "localhost/berth/node-base:latest";

/**
 * The spec of the base every zero-config Node.js image starts from: Debian's
 * nodejs with its libraries, CA certificates and time zones, user nonroot
 * (65532), no shell. Written to `<cache>/node-base/node-base.yaml`; its lock
 * (made on first use, from the machine's apt sources) sits beside it.
 */
export const NODE_BASE_SPEC = [
  "# The base of zero-config Node.js images (berth build); written by berth, rewritten when berth changes it.",
  "# Delete node-base.yaml.lock beside it to take newer Debian packages.",
  "packages: [nodejs, ca-certificates, tzdata]",
  "user: nonroot",
  "entrypoint: [/usr/bin/node]",
  "workdir: /app",
  "env: { NODE_ENV: production }",
  "",
].join("\n");

/** The base as the app build uses it. */
export interface NodeBase {
  readonly descriptor: Descriptor;
  /** Debian's nodejs version in the base, e.g. `18.19.0+dfsg-6~deb12u2`. */
  readonly nodeVersion: string;
  /** Seconds since 1970 from the lock: the `created` time and every mtime of a reproducible image. */
  readonly epoch: number;
  /** True when the stored base was used as it was (no layer rebuilt). */
  readonly isCached: boolean;
}

/** Options for {@link ensureNodeBase}. */
export interface NodeBaseOptions {
  /** Where node-base/ lives (spec, lock, record); default `<store root>/build-cache`. */
  readonly cacheDir: string;
  /** Rebuild the base's layers from the lock even when the stored base matches. */
  readonly noCache?: boolean;
  readonly mirror?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly onProgress?: (line: string) => void;
}

const BuiltRecord = lazy(() => z.object({ specSha256: z.string(), lockSha256: z.string(), digest: z.string(), size: z.number(), mediaType: z.string() }));

/**
 * The node base in `store`, built through buildBase on first use and reused
 * after: `node-base/built.json` records the digest built from this spec and
 * lock, and while the store still names that digest the layers are not
 * rebuilt. Same lock → same digest, so the record holds across stores.
 */
export async function ensureNodeBase(store: ImageStore, opts: NodeBaseOptions): Promise<NodeBase> {
  const dir = join(opts.cacheDir, "node-base");
  await mkdir(dir, { recursive: true });
  const specPath = join(dir, "node-base.yaml");
  if ((await readFile(specPath, "utf8").catch(() => "")) !== NODE_BASE_SPEC) await writeFileAtomic(specPath, NODE_BASE_SPEC);
  const lockPath = `${specPath}.lock`;
  const recordPath = join(dir, "built.json");
  const specSha256 = sha256(NODE_BASE_SPEC);
  const lockText = await readFile(lockPath, "utf8").catch(() => undefined);
  if (lockText !== undefined && !opts.noCache) {
    const rec = BuiltRecord().safeParse(await readJson(recordPath));
    const named = await store.get(NODE_BASE_REFERENCE);
    if (rec.success && rec.data.specSha256 === specSha256 && rec.data.lockSha256 === sha256(lockText) && named?.target.digest === rec.data.digest
      && (await store.content.hasBlob(named.target.digest))) {
      return { ...(await fromLock(lockPath)), descriptor: named.target, isCached: true };
    }
  }
  const built = await buildBase(store, specPath, {
    reference: NODE_BASE_REFERENCE, cacheDir: opts.cacheDir,
    ...(opts.mirror && { mirror: opts.mirror }), ...(opts.env && { env: opts.env }), ...(opts.onProgress && { onProgress: opts.onProgress }),
  });
  const d = built.descriptor;
  await writeFileAtomic(recordPath, JSON.stringify({ specSha256, lockSha256: sha256(await readFile(lockPath, "utf8")), digest: d.digest, size: d.size, mediaType: d.mediaType }));
  return { ...(await fromLock(lockPath)), descriptor: { mediaType: d.mediaType, digest: parseDigest(d.digest), size: d.size }, isCached: false };
}

async function fromLock(lockPath: string): Promise<{ nodeVersion: string; epoch: number }> {
  const lock = await readBaseLock(lockPath);
  return { nodeVersion: lock?.packages.find((p) => p.name === "nodejs")?.version ?? "unknown", epoch: lock?.sourceDateEpoch ?? 0 };
}

const sha256 = (s: string): string => createHash("sha256").update(s).digest("hex");

/** The JSON at `path`, or undefined when it is missing or torn: a cache record is rebuilt rather than trusted. */
const readJson = (path: string): Promise<unknown> => readFile(path, "utf8").then((t) => JSON.parse(t) as unknown).catch(() => undefined);
