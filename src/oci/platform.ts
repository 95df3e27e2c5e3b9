import { endianness } from "node:os";
import { InvalidArgumentError } from "./errors.js";

/**
 * The platform an image runs on (image-spec image-index.md), with Go's GOOS and
 * GOARCH values: `{ os: "linux", architecture: "arm", variant: "v7" }`.
 */
export interface Platform {
  readonly os: string;
  readonly architecture: string;
  /** CPU variant, e.g. "v7" for arm; normalised away where it is the default (arm64 v8, amd64 v1). */
  readonly variant?: string;
  /** Mostly for windows, e.g. "10.0.17763.1879". */
  readonly "os.version"?: string;
  readonly "os.features"?: readonly string[];
}

/** Where hostPlatform reads the host from; each field defaults to this process. */
export interface HostPlatformOptions {
  /** A `process.platform` value. */
  readonly platform?: string;
  /** A `process.arch` value. */
  readonly arch?: string;
  /** The ARM version node was built for ("6", "7"); only read when arch is "arm". */
  readonly armVersion?: string;
  /** Byte order, to tell ppc64le from ppc64. */
  readonly endianness?: "BE" | "LE";
}

export interface ParsePlatformOptions {
  /** Fills in the half a one-component specifier leaves out; defaults to hostPlatform(). */
  readonly host?: Platform;
}

// Go's GOOS and GOARCH lists (go/build/syslist.go), as containerd's database.go keeps them.
const KNOWN_OS = new Set(
  ("aix android darwin dragonfly freebsd hurd illumos ios js linux nacl netbsd openbsd plan9 solaris " +
    "windows zos").split(" "),
);
const KNOWN_ARCH = new Set(
  ("386 amd64 amd64p32 arm armbe arm64 arm64be ppc64 ppc64le loong64 mips mipsle mips64 mips64le mips64p32 " +
    "mips64p32le ppc riscv riscv64 s390 s390x sparc sparc64 wasm").split(" "),
);
const NODE_OS: Readonly<Record<string, string>> = { win32: "windows", cygwin: "windows", sunos: "solaris" };
const NODE_ARCH: Readonly<Record<string, string>> = {
  x64: "amd64",
  ia32: "386",
  mipsel: "mipsle",
  mips64el: "mips64le",
};

// `os[(version[+feature]*)]`, as containerd's specifier grammar.
const OS_COMPONENT_RE = /^([A-Za-z0-9_-]+)(?:\(([A-Za-z0-9_.%-]*)((?:\+[A-Za-z0-9_.%-]+)*)\))?$/;
const COMPONENT_RE = /^[A-Za-z0-9_.-]+$/;
const PLATFORM_HINT = "a platform looks like os[/architecture[/variant]], e.g. linux/arm64/v8, or just linux or arm64";
// The two Windows builds whose rules differ: ltsc2019 (rs5) and ltsc2022, the first with a stable ABI.
const WINDOWS_STABLE_ABI_BUILD = 20348;

/**
 * The platform of this process, in OCI terms: win32 becomes windows, x64 amd64,
 * ia32 386; arm carries the ARM version node was built for (default v7) and arm64
 * carries v8, as containerd's DefaultSpec does.
 */
export function hostPlatform(opts: HostPlatformOptions = {}): Platform {
  const nodeOs = opts.platform ?? process.platform;
  const nodeArch = opts.arch ?? process.arch;
  const os = NODE_OS[nodeOs] ?? nodeOs;
  if (nodeArch === "arm") {
    const version = opts.armVersion ?? nodeArmVersion();
    return Object.freeze({ os, architecture: "arm", variant: /^[5-8]$/.test(version ?? "") ? `v${version}` : "v7" });
  }
  if (nodeArch === "arm64") return Object.freeze({ os, architecture: "arm64", variant: "v8" });
  // node says ppc64 for both byte orders; images say ppc64le for the common one.
  if (nodeArch === "ppc64" && (opts.endianness ?? endianness()) === "LE") {
    return Object.freeze({ os, architecture: "ppc64le" });
  }
  return Object.freeze({ os, architecture: NODE_ARCH[nodeArch] ?? nodeArch });
}

/**
 * Bring a platform to containerd's canonical form (platforms.Normalize): lower case;
 * macos → darwin; x86_64, x86-64 → amd64 (v1 dropped); aarch64 → arm64 (v8 dropped);
 * i386 → 386; armhf → arm v7; armel → arm v6; arm without a variant → arm v7, and
 * "5"…"8" → "v5"…"v8". os.features are sorted and deduplicated; an empty os becomes
 * the host's. Returns a new frozen object without empty optional fields.
 */
export function normalizePlatform(p: Platform): Platform {
  let os = p.os.toLowerCase();
  if (os === "") os = hostPlatform().os;
  if (os === "macos") os = "darwin";
  const [architecture, variant] = normalizeArch(p.architecture, p.variant ?? "");
  const features = [...new Set(p["os.features"] ?? [])].sort();
  return build(os, architecture, variant, p["os.version"] ?? "", features);
}

/**
 * Parse a platform specifier as containerd's platforms.Parse does:
 * `os[(version[+feature]*)][/architecture[/variant]]`, or a lone architecture.
 * One component is taken as an OS when Go knows it (the architecture is then the
 * host's), else as an architecture (the OS is then the host's). Architectures are
 * normalised; "linux/arm" and "linux/arm/v7" keep containerd's spellings (no
 * variant, v7) and "linux/arm64/v8" keeps v8: normalizePlatform and platformMatches
 * treat them as equal. Throws InvalidArgumentError naming the input on wildcards,
 * more than three components, bad characters, or an unknown lone component.
 */
export function parsePlatform(specifier: string, opts: ParsePlatformOptions = {}): Platform {
  const fail = (what: string): InvalidArgumentError =>
    new InvalidArgumentError(`platform "${specifier}": ${what}`, { hint: PLATFORM_HINT });
  if (specifier.includes("*")) throw fail("wildcards are not supported");
  const parts = specifier.split("/");
  if (parts.length > 3) throw fail(`has ${parts.length} components, at most 3 (os/architecture/variant)`);
  const [osPart = "", archPart, variantPart] = parts;
  const m = OS_COMPONENT_RE.exec(osPart);
  if (m === null) throw fail(`"${osPart}" is not an os[(version)] component`);
  for (const part of parts.slice(1)) {
    if (!COMPONENT_RE.test(part)) throw fail(`"${part}" is not a valid component: letters, digits, '_', '.', '-'`);
  }
  let os = (m[1] ?? "").toLowerCase();
  if (os === "macos") os = "darwin";
  const osVersion = decodeOption(m[2] ?? "", fail);
  const features = (m[3] ?? "").split("+").slice(1).map((f) => decodeOption(f, fail));

  if (archPart === undefined) {
    const host = opts.host ?? hostPlatform();
    if (KNOWN_OS.has(os)) {
      const variant = host.architecture === "arm" && host.variant !== "v7" ? (host.variant ?? "") : "";
      return build(os, host.architecture, variant, osVersion, features);
    }
    const [architecture, variant] = normalizeArch(osPart, "");
    if (!KNOWN_ARCH.has(architecture)) throw fail("is neither a known operating system nor a known architecture");
    return build(host.os, architecture, variant === "v7" && architecture === "arm" ? "" : variant, "", []);
  }
  if (variantPart === undefined) {
    const [architecture, variant] = normalizeArch(archPart, "");
    return build(os, architecture, architecture === "arm" && variant === "v7" ? "" : variant, osVersion, features);
  }
  const [architecture, variant] = normalizeArch(archPart, variantPart);
  return build(os, architecture, architecture === "arm64" && variant === "" ? "v8" : variant, osVersion, features);
}

/**
 * The specifier form parsePlatform reads back: `os/architecture[/variant]`, with
 * `os(version+feature…)` when os.version or os.features are set (features sorted;
 * '%', '+', '(', ')' and '/' percent-encoded). "unknown" when os is empty.
 */
export function formatPlatform(p: Platform): string {
  if (p.os === "") return "unknown";
  const features = [...(p["os.features"] ?? [])].sort().map((f) => `+${encodeOption(f)}`);
  const options = encodeOption(p["os.version"] ?? "") + features.join("");
  const os = options === "" ? p.os : `${p.os}(${options})`;
  return [os, p.architecture, p.variant ?? ""].filter((s) => s !== "").join("/");
}

/**
 * Whether an image for `have` (e.g. an index entry's platform) suits `want` (the
 * platform asked for, or the host), as containerd's platforms.NewMatcher(want).Match:
 * os, architecture and variant equal after normalizePlatform; every os.feature of
 * `have` among those of `want`; and for windows, when both give os.version, the
 * same major.minor with the same build (hosts before ltsc2022) or a build from
 * ltsc2022 up to the host's. No fallback to older variants (arm v7 ≠ arm v6).
 */
export function platformMatches(want: Platform, have: Platform): boolean {
  const w = normalizePlatform(want);
  const h = normalizePlatform(have);
  if (w.os !== h.os || w.architecture !== h.architecture || w.variant !== h.variant) return false;
  if (w.os === "windows" && !windowsVersionMatches(w["os.version"], h["os.version"])) return false;
  const offered = new Set(w["os.features"] ?? []);
  return (h["os.features"] ?? []).every((f) => offered.has(f));
}

function normalizeArch(arch: string, variant: string): [string, string] {
  const a = arch.toLowerCase();
  const v = variant.toLowerCase();
  switch (a) {
    case "i386":
      return ["386", ""];
    case "x86_64":
    case "x86-64":
    case "amd64":
      return ["amd64", v === "v1" ? "" : v];
    case "aarch64":
    case "arm64":
      return ["arm64", v === "8" || v === "v8" ? "" : v];
    case "armhf":
      return ["arm", "v7"];
    case "armel":
      return ["arm", "v6"];
    case "arm":
      if (v === "" || v === "7") return ["arm", "v7"];
      return ["arm", /^[568]$/.test(v) ? `v${v}` : v];
    default:
      return [a, v];
  }
}

function build(
  os: string,
  architecture: string,
  variant: string,
  osVersion: string,
  features: readonly string[],
): Platform {
  return Object.freeze({
    os,
    architecture,
    ...(variant !== "" ? { variant } : {}),
    ...(osVersion !== "" ? { "os.version": osVersion } : {}),
    ...(features.length > 0 ? { "os.features": Object.freeze([...features]) } : {}),
  });
}

function windowsVersionMatches(host: string | undefined, image: string | undefined): boolean {
  const h = windowsVersion(host);
  if (h === undefined || image === undefined || image === "") return true;
  // An image version we cannot read matches no host version, as in containerd.
  const i = windowsVersion(image) ?? { major: -1, minor: -1, build: -1 };
  if (h.major !== i.major || h.minor !== i.minor) return false;
  if (h.build < WINDOWS_STABLE_ABI_BUILD) return h.build === i.build;
  return i.build >= WINDOWS_STABLE_ABI_BUILD && i.build <= h.build;
}

function windowsVersion(v: string | undefined): { major: number; minor: number; build: number } | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)(?:\.|$)/.exec(v ?? "");
  if (m === null) return undefined;
  return { major: Number(m[1]), minor: Number(m[2]), build: Number(m[3]) };
}

function decodeOption(v: string, fail: (what: string) => Error): string {
  if (!v.includes("%")) return v;
  try {
    return decodeURIComponent(v);
  } catch {
    throw fail(`"${v}" has a malformed %-escape`);
  }
}

const encodeOption = (v: string): string =>
  v.replace(/[%+()/]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

function nodeArmVersion(): string | undefined {
  // Present on ARM builds of node only, and not in @types/node's ProcessConfig.
  const variables = process.config.variables as unknown as Record<string, unknown>;
  const v = variables["arm_version"];
  return typeof v === "string" ? v : undefined;
}
