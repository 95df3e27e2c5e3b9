import { posix } from "node:path";
import type { ComposeService, FileGrant, ResourceSpec, ServiceBuild, ServiceDeploy, VolumeMount } from "./compose-service.js";
import { DEFAULT_ROLLBACK_CONFIG, DEFAULT_UPDATE_CONFIG } from "./deploy-schema.js";
import { isPlainObject } from "./interpolate-values.js";
import { isRemoteContext, resolvePath, type NormalizeContext } from "./normalize-context.js";
import { entriesToRecord } from "./schema-primitives.js";
import { resolveEntries, serviceEnvironment } from "./service-environment.js";
import type { VolumeEntry } from "./service-parts-schema.js";
import type * as z from "zod";
import type { buildSchema, ServiceInput } from "./service-schema.js";
import { splitShellWords } from "./shell-words.js";
import { DEFAULT_RIGHT_SIZE } from "./x-berth-schema.js";

/**
 * Turn one checked service into its normalised form: paths resolved, the
 * environment built, defaults filled. `raw` is the merged value before the
 * schema, for the `x-*` fields the schema drops.
 */
export async function normalizeService(name: string, s: ServiceInput, raw: unknown, ctx: NormalizeContext): Promise<ComposeService> {
  const { envFiles, environment } = await serviceEnvironment(name, s.env_file ?? [], s.environment ?? [], ctx);
  const networks = s.networks ?? (s.network_mode === undefined ? { default: { aliases: [] } } : {});
  const command = words(name, "command", s.command, ctx);
  const entrypoint = words(name, "entrypoint", s.entrypoint, ctx);
  return {
    name,
    ...(s.image !== undefined && { image: s.image }),
    ...(s.build !== undefined && { build: build(s.build, ctx) }),
    ...(command !== undefined && { command }),
    ...(entrypoint !== undefined && { entrypoint }),
    environment,
    envFiles,
    ports: s.ports ?? [],
    expose: s.expose ?? [],
    volumes: (s.volumes ?? []).map((v, i) => mount(v, ["services", name, "volumes", i], ctx)),
    tmpfs: s.tmpfs ?? [],
    dependsOn: s.depends_on ?? {},
    ...(s.healthcheck !== undefined && { healthcheck: s.healthcheck }),
    restart: s.restart ?? { policy: "no" },
    ...(s.init !== undefined && { init: s.init }),
    ...(s.user !== undefined && { user: s.user }),
    ...(s.working_dir !== undefined && { workingDir: s.working_dir }),
    readOnly: s.read_only ?? false,
    capAdd: s.cap_add ?? [],
    capDrop: s.cap_drop ?? [],
    labels: strings(s.labels),
    profiles: s.profiles ?? [],
    networks,
    ...(s.network_mode !== undefined && { networkMode: s.network_mode }),
    ...(s.container_name !== undefined && { containerName: s.container_name }),
    ...(s.hostname !== undefined && { hostname: s.hostname }),
    ...(s.domainname !== undefined && { domainname: s.domainname }),
    ...(s.stop_signal !== undefined && { stopSignal: s.stop_signal }),
    ...(s.stop_grace_period !== undefined && { stopGracePeriodMs: s.stop_grace_period }),
    secrets: (s.secrets ?? []).map((g) => grant(g, "/run/secrets/")),
    configs: (s.configs ?? []).map((g) => grant(g, "/")),
    deploy: deploy(name, s, ctx),
    extraHosts: s.extra_hosts ?? [],
    dns: s.dns ?? [],
    dnsSearch: s.dns_search ?? [],
    ulimits: s.ulimits ?? {},
    sysctls: strings(s.sysctls),
    privileged: s.privileged ?? false,
    tty: s.tty ?? false,
    stdinOpen: s.stdin_open ?? false,
    ...(s.pull_policy !== undefined && { pullPolicy: pullPolicy(s.pull_policy) }),
    ...(s.platform !== undefined && { platform: s.platform }),
    ...(s.shm_size !== undefined && { shmSizeBytes: s.shm_size }),
    securityOpt: s.security_opt ?? [],
    groupAdd: s.group_add ?? [],
    ...(s.logging !== undefined && { logging: { ...(s.logging.driver !== undefined && { driver: s.logging.driver }), options: strings(Object.entries(s.logging.options ?? {})) } }),
    berth: s["x-berth"] ?? { rightSize: DEFAULT_RIGHT_SIZE },
    extensions: extensions(raw),
  };
}

const strings = (entries: readonly (readonly [string, string | null])[] | undefined): Record<string, string> =>
  entriesToRecord(entries ?? [], "") as Record<string, string>;

export const extensions = (raw: unknown): Record<string, unknown> =>
  isPlainObject(raw) ? Object.fromEntries(Object.entries(raw).filter(([k]) => k.startsWith("x-") && k !== "x-berth")) : {};

function words(service: string, field: "command" | "entrypoint", value: string | readonly string[] | null | undefined, ctx: NormalizeContext): readonly string[] | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value !== "string") return value;
  const { words: w, dropped } = splitShellWords(value);
  if (dropped !== undefined) {
    ctx.warn(["services", service, field], `${JSON.stringify(dropped)} is dropped: compose splits a ${field} string into words and stops at ${JSON.stringify(dropped[0])}; write ["sh", "-c", "…"] to run it in a shell`);
  }
  return w;
}

function build(b: NonNullable<ServiceInput["build"]>, ctx: NormalizeContext): ServiceBuild {
  const o: Partial<z.output<typeof buildSchema>> = b;
  const context = o.context ?? ".";
  return {
    context: isRemoteContext(context) ? context : resolvePath(ctx, context),
    dockerfile: o.dockerfile ?? "Dockerfile",
    ...(o.dockerfile_inline !== undefined && { dockerfileInline: o.dockerfile_inline }),
    args: resolveEntries(o.args, ctx.env),
    ...(o.target !== undefined && { target: o.target }),
    labels: strings(o.labels),
    tags: o.tags ?? [],
    platforms: o.platforms ?? [],
    cacheFrom: o.cache_from ?? [],
    cacheTo: o.cache_to ?? [],
    noCache: o.no_cache ?? false,
    pull: o.pull ?? false,
    ...(o.network !== undefined && { network: o.network }),
  };
}

function mount(v: VolumeEntry, path: (string | number)[], ctx: NormalizeContext): VolumeMount {
  if (v.type === "bind" && (v.source === undefined || v.source === "")) throw ctx.error(path, "a bind mount needs a source (the host path)", "add source: ./dir (relative to the project directory) or an absolute path");
  const source = v.source === undefined || v.source === "" ? undefined : v.type === "bind" ? resolvePath(ctx, v.source) : v.source;
  return {
    type: v.type,
    ...(source !== undefined && { source }),
    target: posix.normalize(v.target),
    readOnly: v.read_only ?? false,
    ...(v.consistency !== undefined && { consistency: v.consistency }),
    ...(v.type === "bind" && { bind: { createHostPath: v.bind?.create_host_path ?? false, ...(v.bind?.propagation !== undefined && { propagation: v.bind.propagation }), ...(v.bind?.selinux !== undefined && { selinux: v.bind.selinux }) } }),
    ...(v.type === "volume" && { volume: { nocopy: v.volume?.nocopy ?? false, ...(v.volume?.subpath !== undefined && { subpath: v.volume.subpath }) } }),
    ...(v.type === "tmpfs" && { tmpfs: { ...(v.tmpfs?.size !== undefined && { sizeBytes: v.tmpfs.size }), ...(typeof v.tmpfs?.mode === "number" && { mode: v.tmpfs.mode }), ...(typeof v.tmpfs?.mode === "string" && { mode: parseInt(v.tmpfs.mode, 8) }) } }),
  };
}

function grant(g: { source: string; target?: string; uid?: string; gid?: string; mode?: number }, dir: string): FileGrant {
  const target = g.target === undefined ? dir + g.source : g.target.startsWith("/") ? g.target : dir + g.target;
  return { source: g.source, target, ...(g.uid !== undefined && { uid: g.uid }), ...(g.gid !== undefined && { gid: g.gid }), ...(g.mode !== undefined && { mode: g.mode }) };
}

const pullPolicy = (p: NonNullable<ServiceInput["pull_policy"]>): NonNullable<ComposeService["pullPolicy"]> =>
  p === "if_not_present" || p === "daily" || p === "weekly" ? "missing" : p;

function deploy(name: string, s: ServiceInput, ctx: NormalizeContext): ServiceDeploy {
  const d = s.deploy;
  if (s.scale !== undefined && d?.replicas !== undefined && s.scale !== d.replicas) {
    throw ctx.error(["services", name, "scale"], `scale ${s.scale} differs from deploy.replicas ${d.replicas}`, "set one of them");
  }
  const auto = s["x-berth"]?.autoscale;
  const explicit = d?.replicas ?? s.scale;
  const mode = d?.mode ?? "replicated";
  const replicas = mode === "global" ? 1 : explicit ?? Math.max(1, auto?.min ?? 1);
  const limits: ResourceSpec = merged(name, "limits", d?.resources?.limits, { cpus: s.cpus, memoryBytes: s.mem_limit, pids: s.pids_limit }, ctx);
  const reservations: ResourceSpec = merged(name, "reservations", d?.resources?.reservations, { memoryBytes: s.mem_reservation }, ctx);
  return {
    mode,
    replicas,
    labels: strings(d?.labels),
    resources: { limits, reservations },
    ...(d?.restart_policy !== undefined && { restartPolicy: d.restart_policy }),
    updateConfig: d?.update_config ?? DEFAULT_UPDATE_CONFIG,
    rollbackConfig: d?.rollback_config ?? DEFAULT_ROLLBACK_CONFIG,
    ...(d?.endpoint_mode !== undefined && { endpointMode: d.endpoint_mode }),
  };
}

// The service-level mem_limit, cpus and pids_limit must agree with deploy.resources when both are set (05-services.md).
function merged(name: string, which: string, fromDeploy: ResourceSpec | undefined, fromService: Partial<Record<keyof ResourceSpec, number>>, ctx: NormalizeContext): ResourceSpec {
  const out: { -readonly [K in keyof ResourceSpec]: ResourceSpec[K] } = { ...fromDeploy };
  for (const key of Object.keys(fromService) as (keyof ResourceSpec)[]) {
    const v = fromService[key];
    if (v === undefined) continue;
    if (out[key] !== undefined && out[key] !== v) {
      throw ctx.error(["services", name, "deploy", "resources", which], `${key} ${out[key]} differs from the service's own setting ${v}`, "set it in one place");
    }
    out[key] = v;
  }
  return out;
}
