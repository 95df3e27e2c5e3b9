import { parseDigest, type Digest } from "./digest.js";
import { InvalidArgumentError } from "./errors.js";
import {
  checkBoolean, checkInteger, checkObject, checkObjectSet, checkString, checkStringArray, checkStringMap,
  describeValue, isRfc3339, parseJsonObject,
} from "./internal/json-fields.js";
import type { Platform } from "./platform.js";

/**
 * An image configuration (image-spec config.md, media type
 * application/vnd.oci.image.config.v1+json, and Docker's
 * application/vnd.docker.container.image.v1+json, a superset). Configs carry
 * extensions (Docker's `container_config`, `docker_version`, …), so fields this
 * type does not name are kept as they came.
 */
export interface ImageConfig {
  /** RFC 3339 date-time. */
  readonly created?: string;
  readonly author?: string;
  /** GOARCH value, e.g. "amd64", "arm64". */
  readonly architecture: string;
  /** GOOS value, e.g. "linux", "windows". */
  readonly os: string;
  readonly "os.version"?: string;
  readonly "os.features"?: readonly string[];
  readonly variant?: string;
  /** Defaults for running a container; absent when the config had none (or null). */
  readonly config?: ContainerConfig;
  readonly rootfs: RootFS;
  /** One entry per build step, oldest first; empty_layer entries have no layer. */
  readonly history?: readonly HistoryEntry[];
  readonly [extension: string]: unknown;
}

/** The execution defaults of an image (config.md "config"); Docker extensions included. */
export interface ContainerConfig {
  /** `user`, `uid`, `user:group`, `uid:gid`, … */
  readonly User?: string;
  /** Keys `port/tcp`, `port/udp` or `port` (tcp); values are `{}`. */
  readonly ExposedPorts?: Readonly<Record<string, object>>;
  /** `NAME=value` entries. */
  readonly Env?: readonly string[];
  readonly Entrypoint?: readonly string[];
  readonly Cmd?: readonly string[];
  /** Keys are paths; values are `{}`. */
  readonly Volumes?: Readonly<Record<string, object>>;
  readonly WorkingDir?: string;
  readonly Labels?: Readonly<Record<string, string>>;
  readonly StopSignal?: string;
  /** Deprecated; Windows only: Cmd/Entrypoint are already escaped for the command line. */
  readonly ArgsEscaped?: boolean;
  /** Docker extension. */
  readonly Healthcheck?: Healthcheck;
  /** Docker extension: instructions run when the image is used as a base. */
  readonly OnBuild?: readonly string[];
  /** Docker extension: the shell of shell-form RUN, CMD and ENTRYPOINT. */
  readonly Shell?: readonly string[];
  readonly [extension: string]: unknown;
}

/** Docker's HEALTHCHECK; durations are in nanoseconds. */
export interface Healthcheck {
  /** `[]` inherit, `["NONE"]` disabled, `["CMD", args…]` or `["CMD-SHELL", command]`. */
  readonly Test?: readonly string[];
  readonly Interval?: number;
  readonly Timeout?: number;
  readonly StartPeriod?: number;
  readonly StartInterval?: number;
  readonly Retries?: number;
  readonly [extension: string]: unknown;
}

/** The layers of the image's filesystem, as diffIDs (digests of the uncompressed layers), base first. */
export interface RootFS {
  readonly type: "layers";
  readonly diff_ids: readonly Digest[];
  readonly [extension: string]: unknown;
}

export interface HistoryEntry {
  readonly created?: string;
  readonly author?: string;
  readonly created_by?: string;
  readonly comment?: string;
  /** True when this step made no layer (ENV, CMD, …). */
  readonly empty_layer?: boolean;
  readonly [extension: string]: unknown;
}

type Json = Record<string, unknown>;

/**
 * Parse image config bytes (a config blob). Checks what image-spec config.md
 * requires: architecture and os strings, rootfs.type "layers" and diff_ids
 * digests, created RFC 3339, Env entries `NAME=value`, ExposedPorts keys
 * `port[/proto]`, and the type of every other field it names. An optional field
 * set to null counts as absent (the spec allows it; Docker writes `"Cmd": null`),
 * and is left out of the result. Throws InvalidArgumentError naming the field
 * (`config.config.Env[1]: …`).
 */
export function parseImageConfig(bytes: Uint8Array): ImageConfig {
  const doc = withoutNulls(parseJsonObject(bytes, "config"));
  for (const key of ["architecture", "os"] as const) {
    if (doc[key] === undefined) throw new InvalidArgumentError(`config.${key}: is required`);
    checkString(doc[key], `config.${key}`);
  }
  optional(doc, "config", "created", checkCreated);
  optional(doc, "config", "author", checkString);
  optional(doc, "config", "os.version", checkString);
  optional(doc, "config", "os.features", checkStringArray);
  optional(doc, "config", "variant", checkString);
  const rootfs = parseRootFS(doc.rootfs);
  const config = doc.config === undefined ? undefined : parseContainerConfig(doc.config);
  const history = doc.history === undefined ? undefined : parseHistory(doc.history);
  return { ...doc, rootfs, ...(config && { config }), ...(history && { history }) } as ImageConfig;
}

/** The platform an image config describes: os, architecture and, when set, variant, os.version and os.features. */
export function configPlatform(cfg: ImageConfig): Platform {
  return {
    os: cfg.os,
    architecture: cfg.architecture,
    ...(cfg.variant !== undefined && { variant: cfg.variant }),
    ...(cfg["os.version"] !== undefined && { "os.version": cfg["os.version"] }),
    ...(cfg["os.features"] !== undefined && { "os.features": cfg["os.features"] }),
  };
}

function parseRootFS(v: unknown): RootFS {
  if (v === undefined) throw new InvalidArgumentError("config.rootfs: is required", { hint: 'e.g. {"type":"layers","diff_ids":[]}' });
  const rootfs = withoutNulls(checkObject(v, "config.rootfs"));
  if (rootfs.type !== "layers") {
    throw new InvalidArgumentError(`config.rootfs.type: must be "layers", got ${describeValue(rootfs.type)}`);
  }
  // Docker omits an empty diff_ids (omitempty), so a config of an image with no layers may lack it.
  const ids = rootfs.diff_ids ?? [];
  if (!Array.isArray(ids)) throw new InvalidArgumentError(`config.rootfs.diff_ids: must be an array of digests, got ${describeValue(ids)}`);
  const diffIds = ids.map((d, i) => {
    const field = `config.rootfs.diff_ids[${i}]`;
    return parseDigest(checkString(d, field), field);
  });
  return { ...rootfs, type: "layers", diff_ids: diffIds };
}

const PORT_KEY = /^(\d{1,5})(?:-(\d{1,5}))?(?:\/(?:tcp|udp|sctp))?$/i;

function parseContainerConfig(v: unknown): ContainerConfig {
  const c = withoutNulls(checkObject(v, "config.config"));
  const at = "config.config";
  for (const key of ["User", "WorkingDir", "StopSignal", "Domainname", "Hostname"]) optional(c, at, key, checkString);
  optional(c, at, "OnBuild", checkStringArray);
  // Docker's strslice also takes a lone string for these; hold them as arrays either way.
  for (const key of ["Entrypoint", "Cmd", "Shell"]) {
    if (typeof c[key] === "string") c[key] = [c[key]];
    optional(c, at, key, checkStringArray);
  }
  optional(c, at, "Env", (env, field) => checkStringArray(env, field).forEach((e, i) => {
    if (e.indexOf("=") <= 0) throw new InvalidArgumentError(`${field}[${i}]: must be "NAME=value", got ${describeValue(e)}`);
  }));
  optional(c, at, "ExposedPorts", (ports, field) => checkObjectSet(ports, field, checkPortKey));
  optional(c, at, "Volumes", (vols, field) => checkObjectSet(vols, field, (key, keyField) => {
    if (key === "") throw new InvalidArgumentError(`${keyField}: a volume must be a path`);
  }));
  optional(c, at, "Labels", checkStringMap);
  optional(c, at, "ArgsEscaped", checkBoolean);
  for (const key of ["Memory", "MemorySwap", "CpuShares"]) optional(c, at, key, (n, field) => checkInteger(n, field));
  optional(c, at, "Healthcheck", (h, field) => {
    const hc = withoutNulls(checkObject(h, field));
    optional(hc, field, "Test", checkStringArray);
    for (const key of ["Interval", "Timeout", "StartPeriod", "StartInterval", "Retries"]) {
      optional(hc, field, key, (n, f) => checkInteger(n, f, 0));
    }
    c.Healthcheck = hc;
  });
  return c as ContainerConfig;
}

function checkPortKey(key: string, field: string): void {
  const m = PORT_KEY.exec(key);
  const from = Number(m?.[1]);
  const to = m?.[2] === undefined ? from : Number(m[2]);
  if (!m || from > 65535 || to > 65535 || to < from) {
    throw new InvalidArgumentError(`${field}: must be "port/tcp", "port/udp" or "port", got ${describeValue(key)}`, {
      hint: "ports are 0-65535, e.g. \"8080/tcp\"",
    });
  }
}

function parseHistory(v: unknown): HistoryEntry[] {
  if (!Array.isArray(v)) throw new InvalidArgumentError(`config.history: must be an array, got ${describeValue(v)}`);
  return v.map((entry, i) => {
    const field = `config.history[${i}]`;
    const h = withoutNulls(checkObject(entry, field));
    optional(h, field, "created", checkCreated);
    for (const key of ["author", "created_by", "comment"]) optional(h, field, key, checkString);
    optional(h, field, "empty_layer", checkBoolean);
    return h;
  });
}

function checkCreated(v: unknown, field: string): void {
  if (!isRfc3339(checkString(v, field))) {
    throw new InvalidArgumentError(`${field}: must be an RFC 3339 date-time, got ${describeValue(v)}`, {
      hint: 'e.g. "2024-05-01T12:00:00Z"',
    });
  }
}

/** Check `obj[key]` with `check` when it is present; the error names `${at}.${key}`. */
function optional(obj: Json, at: string, key: string, check: (v: unknown, field: string) => unknown): void {
  if (obj[key] === undefined) return;
  check(obj[key], key.includes(".") ? `${at}[${JSON.stringify(key)}]` : `${at}.${key}`);
}

/** A shallow copy without the keys set to null: "null … is equivalent to being absent". */
function withoutNulls(obj: Json): Json {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== null));
}
