import { mkdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { timed } from "../harness/timing.js";
import { mustRun, type Cli } from "./build-tools.js";

/** docker's base for part (a): Debian bookworm, minbase, plus these packages. */
export const BASE_SUITE = "bookworm";
export const BASE_PACKAGES = ["nodejs", "npm", "ca-certificates"] as const;
/** Its name in the bench's dockerd. */
export const DOCKER_NODE_BASE = "bench/bookworm-node:base";
/** The base rootfs tar and its note, under the cache dir. */
const BASE_NAME = `${BASE_SUITE}-minbase-${BASE_PACKAGES.join("-")}`;
const MMDEBSTRAP_TIMEOUT_MS = 30 * 60_000;

/** One apt source, as berth's readAptSources gives it. */
export interface AptSourceLine {
  readonly uri: string;
  readonly suite: string;
  readonly components: readonly string[];
  readonly signedBy?: string;
}

/** The rootfs tar docker's base is imported from, and how it came to be. */
export interface DebianNodeBase {
  readonly tarPath: string;
  readonly bytes: number;
  /** Seconds mmdebstrap took when the tar was made (this run or an earlier one). */
  readonly madeInSeconds: number;
  readonly madeAt: string;
  /** True when this run made it; false when it came from the cache. */
  readonly madeNow: boolean;
  /** The `deb …` lines mmdebstrap was given. */
  readonly mirrors: readonly string[];
}

// A value that would end the one-line format early, or start a new option, is refused, not quoted.
const SAFE_URI = /^[a-z][a-z0-9+.-]*:[^\s\]\[]+$/i;
const SAFE_WORD = /^[A-Za-z0-9][A-Za-z0-9._/+~-]*$/;
const SAFE_PATH = /^\/[^\s\]\[]+$/;

/**
 * `deb [signed-by=KEYRING] URI SUITE COMPONENT…` lines for mmdebstrap, one per source, in the
 * order given. The sources come from the machine's apt configuration: a URI, suite, component
 * or keyring path with whitespace or brackets (which would end or extend the line's fields)
 * throws naming the source; none at all throws saying what to configure.
 */
export function mmdebstrapMirrors(sources: readonly AptSourceLine[]): string[] {
  if (sources.length === 0) {
    throw new Error(`no apt source serves ${BASE_SUITE} main: add a deb line for ${BASE_SUITE} to /etc/apt/sources.list(.d)`);
  }
  return sources.map((s) => {
    const bad = !SAFE_URI.test(s.uri) ? `URI "${s.uri}"` : !SAFE_WORD.test(s.suite) ? `suite "${s.suite}"`
      : s.components.find((c) => !SAFE_WORD.test(c)) !== undefined ? `components "${s.components.join(" ")}"`
        : s.components.length === 0 ? "no components" : s.signedBy !== undefined && !SAFE_PATH.test(s.signedBy) ? `Signed-By "${s.signedBy}"` : undefined;
    if (bad !== undefined) throw new Error(`apt source ${s.uri} ${s.suite}: unusable ${bad} for an mmdebstrap mirror line`);
    const opts = s.signedBy === undefined ? "" : `[signed-by=${s.signedBy}] `;
    return `deb ${opts}${s.uri} ${s.suite} ${s.components.join(" ")}`;
  });
}

/** The machine's apt sources for bookworm main, read by berth's own reader (no mirror is named here). */
async function machineMirrors(): Promise<string[]> {
  // Loaded on use: only a cache miss needs the build layer (and its yaml, zod).
  const { readAptSources, sourcesForSuite } = await import("../../src/build/index.js");
  return mmdebstrapMirrors(sourcesForSuite(await readAptSources(), BASE_SUITE, ["main"]));
}

interface BaseNote {
  readonly madeInSeconds: number;
  readonly madeAt: string;
  readonly mirrors: readonly string[];
}

async function cached(tarPath: string, notePath: string): Promise<DebianNodeBase | undefined> {
  try {
    const note = JSON.parse(await readFile(notePath, "utf8")) as BaseNote;
    const { size } = await stat(tarPath);
    if (typeof note.madeInSeconds !== "number" || !Array.isArray(note.mirrors)) return undefined;
    return { tarPath, bytes: size, madeInSeconds: note.madeInSeconds, madeAt: String(note.madeAt), madeNow: false, mirrors: note.mirrors };
  } catch {
    return undefined;
  }
}

/**
 * The Debian bookworm + nodejs + npm rootfs as a tar in `cacheDir`: the cached one unless
 * `refresh`, else made by `mmdebstrap --variant=minbase` from the machine's apt sources
 * (several minutes: a few hundred packages). Written to a temp name and renamed, so an
 * interrupted run leaves no half tar that a later run would take.
 */
export async function debianNodeBase(cacheDir: string, refresh: boolean, log: (l: string) => void): Promise<DebianNodeBase> {
  await mkdir(cacheDir, { recursive: true });
  const tarPath = join(cacheDir, `${BASE_NAME}.tar`);
  const notePath = join(cacheDir, `${BASE_NAME}.json`);
  const hit = refresh ? undefined : await cached(tarPath, notePath);
  if (hit !== undefined) return hit;
  const mirrors = await machineMirrors();
  const partial = join(cacheDir, `${BASE_NAME}.partial-${process.pid}.tar`);
  log(`making docker's base with mmdebstrap (once; cached as ${tarPath}): ${mirrors.join(" | ")}`);
  try {
    const made = await timed(() => mustRun("mmdebstrap", [
      "--variant=minbase", `--include=${BASE_PACKAGES.join(",")}`, BASE_SUITE, partial, ...mirrors,
    ], { timeoutMs: MMDEBSTRAP_TIMEOUT_MS }));
    await rename(partial, tarPath);
    const note: BaseNote = { madeInSeconds: made.ms / 1000, madeAt: new Date().toISOString(), mirrors };
    await writeFile(notePath, `${JSON.stringify(note, null, 2)}\n`);
    return { tarPath, bytes: (await stat(tarPath)).size, ...note, madeNow: true };
  } finally {
    await rm(partial, { force: true });
  }
}

/** Untimed: `docker import` the rootfs as {@link DOCKER_NODE_BASE} with a PATH (an imported image has no config). */
export async function importNodeBase(docker: Cli, base: DebianNodeBase): Promise<number> {
  const { ms } = await timed(() => docker([
    "import", "--change", "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "--change", 'CMD ["/bin/bash"]', base.tarPath, DOCKER_NODE_BASE,
  ]));
  return ms / 1000;
}
