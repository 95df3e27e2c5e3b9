import { createHash } from "node:crypto";

/**
 * The package.json fields that change what `npm ci --omit=dev` installs.
 * `name`, `version`, `main`, `scripts.start` and the like do not, so editing
 * them keeps the dependencies layer. The lifecycle scripts npm runs for the
 * root package during install count.
 */
export const DEPENDENCY_FIELDS: readonly string[] = [
  "dependencies", "optionalDependencies", "peerDependencies", "peerDependenciesMeta",
  "bundleDependencies", "bundledDependencies", "overrides", "workspaces", "engines", "os", "cpu",
];
const INSTALL_SCRIPTS: readonly string[] = ["preinstall", "install", "postinstall", "prepublish", "preprepare", "prepare", "postprepare"];

/** What the dependencies layer depends on. */
export interface DependenciesCacheInput {
  /** package.json as parsed. */
  readonly manifest: Readonly<Record<string, unknown>>;
  /** The bytes of package-lock.json or npm-shrinkwrap.json. */
  readonly lockfile: Uint8Array;
  /** Manifest digest of the base image: another Node.js or libc means another build. */
  readonly baseDigest: string;
  /** The Node.js ABI and CPU npm built for (`modules 115 x64`): native addons depend on it. */
  readonly toolchain: string;
}

/**
 * The cache key of a dependencies layer: sha256 (hex) over the
 * dependency-relevant fields of package.json in a canonical form (keys
 * sorted at every depth, so reordering package.json changes nothing), the
 * lockfile's bytes, the base digest and the toolchain. Equal keys mean npm
 * would install the same files.
 */
export function dependenciesCacheKey(input: DependenciesCacheInput): string {
  const picked: Record<string, unknown> = {};
  for (const f of DEPENDENCY_FIELDS) if (input.manifest[f] !== undefined) picked[f] = input.manifest[f];
  const scripts = input.manifest.scripts;
  if (scripts !== null && typeof scripts === "object") {
    const s = scripts as Record<string, unknown>;
    const install = Object.fromEntries(INSTALL_SCRIPTS.filter((k) => s[k] !== undefined).map((k) => [k, s[k]]));
    if (Object.keys(install).length > 0) picked.scripts = install;
  }
  const lockHash = createHash("sha256").update(input.lockfile).digest("hex");
  const text = canonicalJson({ v: 1, manifest: picked, lockfile: lockHash, base: input.baseDigest, toolchain: input.toolchain });
  return createHash("sha256").update(text).digest("hex");
}

/** JSON with object keys sorted at every depth; arrays keep their order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}
