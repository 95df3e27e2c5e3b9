import { InvalidArgumentError } from "../oci/index.js";
import { normalizeCapability } from "./default-security.js";
import type { PortMapping } from "./network/index.js";

/** A host path bind-mounted into the container (`-v SRC:DST[:ro]`). */
export interface BindMount {
  /** Absolute host path. */
  readonly source: string;
  /** Absolute path in the container. */
  readonly destination: string;
  readonly readOnly: boolean;
  /** Mount propagation; default docker's rprivate. */
  readonly propagation?: "private" | "rprivate" | "shared" | "rshared" | "slave" | "rslave";
}

/** A tmpfs mounted in the container (`--tmpfs PATH[:OPTIONS]`). */
export interface TmpfsMount {
  readonly destination: string;
  /** mount(8) options such as `size=64m`, `mode=1777`; docker's defaults are added. */
  readonly options: readonly string[];
}

/**
 * What the user asked for on top of the image's config (`berth run` flags),
 * already parsed: every value here is valid. Absent fields take the image's
 * value or docker's default.
 */
export interface ContainerOptions {
  /** `--entrypoint`: replaces the image's Entrypoint and drops its Cmd; `[]` clears it. */
  readonly entrypoint?: readonly string[];
  /** Arguments after IMAGE: replace the image's Cmd. */
  readonly cmd?: readonly string[];
  /** `NAME=value` entries from `--env-file` then `-e`, in order; later ones win. */
  readonly env?: readonly string[];
  /** `-w`: absolute. */
  readonly workdir?: string;
  /** `-u USER[:GROUP]`, names or numbers. */
  readonly user?: string;
  readonly hostname?: string;
  readonly readOnly?: boolean;
  readonly tmpfs?: readonly TmpfsMount[];
  readonly binds?: readonly BindMount[];
  /** Canonical names (`CAP_NET_ADMIN`) or `ALL`. */
  readonly capAdd?: readonly string[];
  readonly capDrop?: readonly string[];
  readonly noNewPrivileges?: boolean;
  /** `--security-opt seccomp=…`: a docker-format profile's path, or `unconfined`; default Debian's containers-common profile. */
  readonly seccompProfile?: string;
  /** Memory limit in bytes. */
  readonly memory?: number;
  /** `--memory-swap`: memory + swap in bytes; -1 for unlimited swap. Default (docker's): twice --memory. */
  readonly memorySwap?: number;
  /** CPU quota in CPUs (0.5 = half of one). */
  readonly cpus?: number;
  /** Maximum number of processes; -1 for unlimited. */
  readonly pidsLimit?: number;
  /**
   * `none` (a new, empty network namespace), `host`, `bridge` (berth's
   * default network, as docker's) or a user network's name.
   */
  readonly network?: string;
  /** `--network-alias`: more names the container answers to on a user network. */
  readonly networkAliases?: readonly string[];
  /** `-p`/`-P`: ports published on the host. */
  readonly publish?: readonly PublishedPort[];
  /** `--init`: run a tiny init (tini/catatonit/docker-init from the host) as pid 1 that reaps zombies and forwards signals. */
  readonly init?: boolean;
}

/** One published port range, host → container: the network module's mapping. */
export type PublishedPort = PortMapping;

const isAbsoluteClean = (p: string): boolean =>
  p.startsWith("/") && !p.split("/").some((s) => s === ".." || s === ".") && !p.includes("\0");

/** `-v SRC:DST[:ro|rw]`: both paths absolute; named volumes are not in this slice. */
export function parseBind(spec: string): BindMount {
  const parts = spec.split(":");
  if (parts.length < 2 || parts.length > 3) {
    throw new InvalidArgumentError(`-v ${spec}: expected SRC:DST or SRC:DST:ro`, { hint: "e.g. -v /srv/data:/data:ro" });
  }
  const [source, destination, mode = "rw"] = parts as [string, string, string?];
  if (!isAbsoluteClean(source)) {
    throw new InvalidArgumentError(`-v ${spec}: source "${source}" must be an absolute host path without . or ..`, { hint: "named volumes come later; give a host directory" });
  }
  if (!isAbsoluteClean(destination) || destination === "/") {
    throw new InvalidArgumentError(`-v ${spec}: destination "${destination}" must be an absolute path in the container, not /`);
  }
  if (mode !== "ro" && mode !== "rw") throw new InvalidArgumentError(`-v ${spec}: mode "${mode}" is not ro or rw`);
  return { source, destination, readOnly: mode === "ro" };
}

/** `--tmpfs PATH[:OPTIONS]`, options comma-separated. */
export function parseTmpfs(spec: string): TmpfsMount {
  const i = spec.indexOf(":");
  const destination = i < 0 ? spec : spec.slice(0, i);
  const options = i < 0 ? [] : spec.slice(i + 1).split(",").filter((o) => o !== "");
  if (!isAbsoluteClean(destination) || destination === "/") {
    throw new InvalidArgumentError(`--tmpfs ${spec}: "${destination}" must be an absolute path in the container, not /`);
  }
  const bad = options.find((o) => !/^[a-z_]+(=[\w.:+-]+)?$/.test(o));
  if (bad !== undefined) throw new InvalidArgumentError(`--tmpfs ${spec}: option "${bad}" is not NAME or NAME=VALUE`, { hint: "e.g. --tmpfs /run:size=64m,mode=755" });
  return { destination, options };
}

const UNITS: Readonly<Record<string, number>> = { "": 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };
/** docker's floor: a smaller limit kills the runtime's own setup. */
const MIN_MEMORY = 6 * 1024 * 1024;

/** A size with b/k/m/g/t suffixes (binary), or NaN. */
function parseSize(value: string): number {
  const m = /^(\d+(?:\.\d+)?)([bkmgt]?)b?$/i.exec(value.trim());
  const bytes = m ? Math.floor(Number(m[1]) * UNITS[m[2]!.toLowerCase()]!) : NaN;
  return Number.isSafeInteger(bytes) ? bytes : NaN;
}

/** `--memory 512m`: bytes, with b/k/m/g/t suffixes (binary), at least 6 MiB. */
export function parseMemory(value: string): number {
  const bytes = parseSize(value);
  if (Number.isNaN(bytes)) throw new InvalidArgumentError(`--memory ${value}: not a size such as 512m or 2g`);
  if (bytes < MIN_MEMORY) throw new InvalidArgumentError(`--memory ${value}: the minimum is 6m`);
  return bytes;
}

/** `--memory-swap`: a size (memory + swap, at least --memory) or -1 for unlimited. */
export function parseMemorySwap(value: string, memory: number | undefined): number {
  if (value.trim() === "-1") return -1;
  if (memory === undefined) throw new InvalidArgumentError(`--memory-swap ${value}: needs --memory too`, { hint: "e.g. --memory 256m --memory-swap 512m" });
  const bytes = parseSize(value);
  if (Number.isNaN(bytes)) throw new InvalidArgumentError(`--memory-swap ${value}: not a size such as 512m, or -1`);
  if (bytes < memory) throw new InvalidArgumentError(`--memory-swap ${value}: must be at least --memory (it counts memory plus swap)`);
  return bytes;
}

/** `--cpus 1.5`: from 0.01 to the host's CPU count. */
export function parseCpus(value: string, hostCpus: number): number {
  const n = Number(value);
  // 0 is docker's "no limit".
  if (!/^\d*\.?\d+$/.test(value) || !(n >= 0.01 || n === 0) || n > hostCpus) {
    throw new InvalidArgumentError(`--cpus ${value}: must be a number from 0.01 to ${hostCpus} (this machine's CPUs), or 0 for no limit`);
  }
  return n;
}

/** `--pids-limit N`: a positive integer, or -1 (or 0, as docker takes it) for unlimited, given as -1. */
export function parsePidsLimit(value: string): number {
  const n = Number(value);
  if (!/^-?\d+$/.test(value) || !Number.isSafeInteger(n) || n < -1) {
    throw new InvalidArgumentError(`--pids-limit ${value}: must be a positive integer, or 0 or -1 for unlimited`);
  }
  return n === 0 ? -1 : n;
}

/** `-e NAME=value` (or bare `NAME`, taken from `hostEnv` and skipped when unset there). */
export function parseEnv(entry: string, flag: string, hostEnv: Readonly<Record<string, string | undefined>>): string | undefined {
  const i = entry.indexOf("=");
  const name = i < 0 ? entry : entry.slice(0, i);
  if (name === "" || /[\s\0]/.test(name)) throw new InvalidArgumentError(`${flag} ${JSON.stringify(entry)}: "${name}" is not a variable name`);
  if (entry.includes("\0")) throw new InvalidArgumentError(`${flag} ${JSON.stringify(entry)}: contains a NUL byte`);
  if (i >= 0) return entry;
  const v = hostEnv[name];
  return v === undefined ? undefined : `${name}=${v}`;
}

/** An `--env-file`'s text: one `NAME=value` (or `NAME`) a line; `#` comments and blank lines skipped. */
export function parseEnvFile(text: string, file: string, hostEnv: Readonly<Record<string, string | undefined>>): string[] {
  const out: string[] = [];
  text.split(/\r?\n/).forEach((line, n) => {
    const trimmed = line.trimStart();
    if (trimmed === "" || trimmed.startsWith("#")) return;
    const e = parseEnv(trimmed, `--env-file ${file}:${n + 1}`, hostEnv);
    if (e !== undefined) out.push(e);
  });
  return out;
}

/** `--cap-add`/`--cap-drop` values: `ALL` or a known capability, with or without `CAP_`. */
export function parseCapabilities(values: readonly string[], flag: string): string[] {
  return values.map((v) => {
    const c = normalizeCapability(v);
    if (c === undefined) throw new InvalidArgumentError(`${flag} ${v}: not a Linux capability`, { hint: "see capabilities(7); e.g. NET_ADMIN or ALL" });
    return c;
  });
}
