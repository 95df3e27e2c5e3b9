import * as z from "zod";
import type { DependencyCondition, Healthcheck, RestartPolicy, ServiceDependency, ServiceNetwork } from "./compose-service.js";
import { parseExposeSpec, parseLongPortSpec, parsePortSpec, type PortMapping } from "./port-spec.js";
import { bool, byteSize, count, duration, ignored, int, parsedBy, RESOURCE_NAME } from "./schema-primitives.js";
import { splitShellWords } from "./shell-words.js";
import { parseVolumeSpec, type LongVolumeSpec } from "./volume-spec.js";

/** `command:` / `entrypoint:`: a string (checked to split), a list, or null. Split later, where warnings can name the path. */
export const commandSchema = z.union([
  parsedBy(z.string(), (s) => {
    splitShellWords(s);
    return s;
  }),
  z.array(z.string()),
], { error: "expected a string or a list of strings" }).nullable();

/** A `ports:` entry → one or more mappings (a container range gives one per port). */
export const portEntry = z.union([
  parsedBy(z.union([z.string(), z.number()]), parsePortSpec),
  parsedBy(z.object({
    target: z.union([z.number(), z.string()], { error: "target (the container port) is required" }),
    published: z.union([z.number(), z.string()]).optional(),
    host_ip: z.string().optional(),
    protocol: z.string().optional(),
    mode: z.string().optional(),
    name: z.string().optional(),
    app_protocol: z.string().optional(),
  }), (p): PortMapping[] => [parseLongPortSpec(p)]),
], { error: "expected \"HOST:CONTAINER\", a port number, or {target, published, host_ip, protocol, mode}" });

/** An `expose:` entry. */
export const exposeEntry = parsedBy(z.union([z.string(), z.number()], { error: "expected a port or range, such as 3000 or \"8000-8010/udp\"" }), parseExposeSpec);

const longVolume = z.object({
  type: z.enum(["volume", "bind", "tmpfs", "npipe", "cluster", "image"], { error: "type must be volume, bind, tmpfs, npipe, cluster or image" }),
  source: z.string().optional(),
  target: z.string().startsWith("/", { error: "target must be an absolute path in the container" }),
  read_only: bool.optional(),
  consistency: z.string().optional(),
  bind: z.object({
    propagation: z.enum(["rprivate", "private", "rshared", "shared", "rslave", "slave"]).optional(),
    create_host_path: bool.optional(),
    selinux: z.enum(["z", "Z"]).optional(),
    recursive: ignored,
  }).optional(),
  volume: z.object({ nocopy: bool.optional(), subpath: z.string().optional() }).optional(),
  tmpfs: z.object({ size: byteSize.optional(), mode: z.union([z.number(), z.string()]).optional() }).optional(),
  image: ignored,
});

/** A `volumes:` entry in either syntax → the long syntax, still with relative sources. */
export const volumeEntry = z.union([
  // The short syntax is read into the long one, then checked as the long one is.
  parsedBy(z.string(), parseVolumeSpec).pipe(longVolume as unknown as z.ZodType<z.output<typeof longVolume>, LongVolumeSpec>),
  longVolume,
], { error: "expected \"SOURCE:TARGET[:MODE]\" or {type, source, target}" });
export type VolumeEntry = z.output<typeof longVolume>;
export type { LongVolumeSpec };

const CONDITIONS = ["service_started", "service_healthy", "service_completed_successfully"] as const;
const serviceName = z.string().regex(RESOURCE_NAME, { error: "is not a service name" });

/** `depends_on` in either syntax → by service name. */
export const dependsOnSchema = z.union([
  z.array(serviceName).transform((names) => Object.fromEntries(names.map((n): [string, ServiceDependency] => [n, { condition: "service_started", required: true, restart: false }]))),
  z.record(serviceName, z.object({
    condition: z.enum(CONDITIONS, { error: `condition must be ${CONDITIONS.join(", ")}` }).optional(),
    required: bool.optional(),
    restart: bool.optional(),
  }).nullable().transform((d): ServiceDependency => ({ condition: (d?.condition ?? "service_started") as DependencyCondition, required: d?.required ?? true, restart: d?.restart ?? false }))),
], { error: "expected a list of service names or a mapping of service: {condition, required, restart}" });

const HEALTH_KINDS = ["NONE", "CMD", "CMD-SHELL"];
const healthTest = z.union([
  z.string().transform((s) => ["CMD-SHELL", s]),
  z.array(z.string()).check((ctx) => {
    const [kind, ...rest] = ctx.value;
    if (kind === undefined || !HEALTH_KINDS.includes(kind)) ctx.issues.push({ code: "custom", message: `a test list starts with NONE, CMD or CMD-SHELL, got ${JSON.stringify(kind ?? null)}`, input: ctx.value, path: [0] });
    else if (kind !== "NONE" && rest.length === 0) ctx.issues.push({ code: "custom", message: `${kind} needs a command after it`, input: ctx.value });
  }),
], { error: "expected a command string or [\"CMD\", …] / [\"CMD-SHELL\", \"…\"] / [\"NONE\"]" });

/** `healthcheck:`. */
export const healthcheckSchema = z.object({
  test: healthTest.optional(),
  interval: duration.optional(),
  timeout: duration.optional(),
  retries: count.optional(),
  start_period: duration.optional(),
  start_interval: duration.optional(),
  disable: bool.optional(),
}).transform((h): Healthcheck => {
  const disabled = h.disable === true || h.test?.[0] === "NONE";
  return {
    ...(!disabled && h.test !== undefined && { test: h.test }),
    disabled,
    ...(h.interval !== undefined && { intervalMs: h.interval }),
    ...(h.timeout !== undefined && { timeoutMs: h.timeout }),
    ...(h.retries !== undefined && { retries: h.retries }),
    ...(h.start_period !== undefined && { startPeriodMs: h.start_period }),
    ...(h.start_interval !== undefined && { startIntervalMs: h.start_interval }),
  };
});

/** `restart:` → policy and retries. */
export const restartSchema = parsedBy(z.string({ error: "expected no, always, on-failure[:N] or unless-stopped (quote \"no\")" }), (s): RestartPolicy => {
  const m = /^(no|always|unless-stopped|on-failure)(?::(\d+))?$/.exec(s.trim());
  if (m === null || (m[2] !== undefined && m[1] !== "on-failure")) throw Object.assign(new Error(`invalid restart policy ${JSON.stringify(s)}`), { hint: "use no, always, on-failure, on-failure:N or unless-stopped" });
  return { policy: m[1] as RestartPolicy["policy"], ...(m[2] !== undefined && { maxRetries: Number(m[2]) }) };
});

const networkName = z.string().regex(RESOURCE_NAME, { error: "is not a network name" });

/** A service's `networks:` in either syntax → by network name. */
export const serviceNetworksSchema = z.union([
  z.array(networkName).transform((names) => Object.fromEntries(names.map((n): [string, ServiceNetwork] => [n, { aliases: [] }]))),
  z.record(networkName, z.object({
    aliases: z.array(z.string()).optional(),
    ipv4_address: z.string().optional(),
    ipv6_address: z.string().optional(),
    priority: int.optional(),
    gw_priority: ignored,
    mac_address: ignored,
    link_local_ips: ignored,
    driver_opts: ignored,
    interface_name: ignored,
  }).nullable().transform((n): ServiceNetwork => ({
    aliases: n?.aliases ?? [],
    ...(n?.ipv4_address !== undefined && { ipv4Address: n.ipv4_address }),
    ...(n?.ipv6_address !== undefined && { ipv6Address: n.ipv6_address }),
    ...(n?.priority !== undefined && { priority: n.priority }),
  }))),
], { error: "expected a list of network names or a mapping of network: {aliases, ipv4_address, …}" });

const mode = z.union([z.number(), z.string()]).transform((v, ctx) => {
  const n = typeof v === "number" ? v : /^[0-7]+$/.test(v) ? parseInt(v, 8) : NaN;
  if (!Number.isInteger(n) || n < 0 || n > 0o7777) {
    ctx.issues.push({ code: "custom", message: `expected a file mode such as 0440, got ${JSON.stringify(v)}`, input: v });
    return z.NEVER;
  }
  return n;
});

/** A service's `secrets:` / `configs:` entry: a name, or {source, target, uid, gid, mode}. Targets are resolved later. */
export const fileGrantSchema = z.union([
  z.string().transform((source) => ({ source })),
  z.object({
    source: z.string({ error: "source (the secret or config name) is required" }),
    target: z.string().optional(),
    uid: z.union([z.string(), z.number()]).transform(String).optional(),
    gid: z.union([z.string(), z.number()]).transform(String).optional(),
    mode: mode.optional(),
  }),
], { error: "expected a name or {source, target, uid, gid, mode}" });

/** `env_file:` in its three forms → entries. */
export const envFileSchema = z.union([
  z.string().transform((path) => [{ path, required: true }]),
  z.array(z.union([
    z.string().transform((path) => ({ path, required: true })),
    z.object({ path: z.string(), required: bool.default(true), format: z.enum(["raw"]).optional() }),
  ], { error: "expected a path or {path, required, format}" })),
], { error: "expected a path, a list of paths, or a list of {path, required}" });

/** `ulimits:` → soft and hard for each. */
export const ulimitsSchema = z.record(z.string(), z.union([
  int.transform((n) => ({ soft: n, hard: n })),
  z.object({ soft: int, hard: int }),
], { error: "expected a number or {soft, hard}" }));

/** `extra_hosts:` list (`host:ip`, `host=ip`) or mapping → `host:ip` strings. */
export const extraHostsSchema = z.union([
  z.array(z.string()),
  z.record(z.string(), z.union([z.string(), z.array(z.string())])).transform((r) => Object.entries(r).flatMap(([h, ips]) => (Array.isArray(ips) ? ips : [ips]).map((ip) => `${h}:${ip}`))),
], { error: "expected a list of \"host:ip\" or a mapping of host: ip" });

