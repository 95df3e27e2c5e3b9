import { readFile } from "node:fs/promises";
import * as z from "zod";
import { writeFileAtomic } from "../content/index.js";
import { InvalidArgumentError, lazy } from "../oci/index.js";

/** One package pinned by a lock: where to get it and what its bytes must hash to. */
export interface LockedPackage {
  readonly name: string;
  readonly version: string;
  readonly architecture: string;
  /** Full URL of the .deb (mirror base + Filename). */
  readonly url: string;
  readonly sha256: string;
  readonly size: number;
}

/** What the lock was resolved for; a spec asking for something else needs `--update-lock`. */
export interface LockRequest {
  readonly suite: string;
  readonly architecture: string;
  readonly components: readonly string[];
  readonly packages: readonly string[];
  readonly exclude: readonly string[];
  readonly debianSlim: boolean;
}

/**
 * `<spec>.lock`, JSON (and so also YAML):
 * ```
 * { "lockVersion": 1, "request": {…}, "sourceDateEpoch": 0,
 *   "packages": [{ "name", "version", "architecture", "url", "sha256", "size" }, …] }
 * ```
 * Packages sorted by name. With a lock, resolution is skipped and every
 * timestamp comes from `sourceDateEpoch`, so the image is byte-identical.
 */
export interface BaseLock {
  readonly lockVersion: 1;
  readonly request: LockRequest;
  readonly sourceDateEpoch: number;
  readonly packages: readonly LockedPackage[];
}

const Schema = lazy(() => z.strictObject({
  lockVersion: z.literal(1),
  request: z.strictObject({
    suite: z.string(), architecture: z.string(), components: z.array(z.string()),
    packages: z.array(z.string()), exclude: z.array(z.string()), debianSlim: z.boolean(),
  }),
  sourceDateEpoch: z.number().int().min(0),
  packages: z.array(z.strictObject({
    name: z.string().regex(/^[a-z0-9][a-z0-9+.-]+$/),
    version: z.string().min(1),
    architecture: z.string().min(1),
    url: z.url({ protocol: /^https?$/ }),
    sha256: z.string().regex(/^[a-f0-9]{64}$/),
    size: z.number().int().min(0),
  })),
}));

/** The lock at `path`, or undefined when there is none. A malformed lock throws naming the field. */
export async function readBaseLock(path: string): Promise<BaseLock | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new InvalidArgumentError(`${path}: not valid JSON`, { cause: e, hint: "remove the lock or run with --update-lock" });
  }
  const r = Schema().safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new InvalidArgumentError(`${path}: ${i.path.join(".") || "(top)"}: ${i.message}`, { hint: "remove the lock or run with --update-lock" });
  }
  return r.data;
}

/** Write `lock` atomically, in a stable form (sorted packages, fixed key order). */
export async function writeBaseLock(path: string, lock: BaseLock): Promise<void> {
  const packages = [...lock.packages].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  await writeFileAtomic(path, `${JSON.stringify({ ...lock, packages }, null, 2)}\n`);
}

/** True when `lock` was made for `want` (same suite, architecture, components, packages, options). */
export function lockMatches(lock: BaseLock, want: LockRequest): boolean {
  const norm = (r: LockRequest): string => JSON.stringify({
    ...r, components: [...r.components].sort(), packages: [...r.packages].sort(), exclude: [...r.exclude].sort(),
  }, Object.keys(r).sort());
  return norm(lock.request) === norm(want);
}
