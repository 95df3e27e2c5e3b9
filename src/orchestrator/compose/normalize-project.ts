import type * as z from "zod";
import type { ComposeFileResource, ComposeNetwork, ComposeProject, ComposeVolume } from "./compose-project.js";
import type { ComposeService } from "./compose-service.js";
import type { ComposeFileInput, fileResourceSchema, networkSchema, volumeSchema } from "./compose-file-schema.js";
import { isPlainObject } from "./interpolate-values.js";
import { resolvePath, type NormalizeContext } from "./normalize-context.js";
import { extensions, normalizeService } from "./normalize-service.js";
import { entriesToRecord } from "./schema-primitives.js";

/** Whether a service with these profiles runs when `active` are the active profiles (`*` enables all). */
export const isEnabled = (profiles: readonly string[], active: readonly string[]): boolean =>
  profiles.length === 0 || active.includes("*") || profiles.some((p) => active.includes(p));

/**
 * Build the project from the checked, merged model: services (only those the
 * active profiles enable), networks (with the implicit `default` when a
 * service uses it), volumes, secrets and configs with their names on the host.
 * Cross-references are checked afterwards by `validateProject`.
 */
export async function normalizeProject(
  model: ComposeFileInput,
  raw: Record<string, unknown>,
  files: readonly string[],
  profiles: readonly string[],
  ctx: NormalizeContext,
  enable: readonly string[] = [],
): Promise<ComposeProject> {
  const services: Record<string, ComposeService> = {};
  const disabledServices: string[] = [];
  const rawServices = isPlainObject(raw.services) ? raw.services : {};
  const forced = withDependencies(model, enable);
  for (const [name, s] of Object.entries(model.services ?? {})) {
    if (!isEnabled(s.profiles ?? [], profiles) && !forced.has(name)) disabledServices.push(name);
    else services[name] = await normalizeService(name, s, rawServices[name], ctx);
  }
  const networks = mapValues(model.networks, (key, n) => network(key, n, ctx));
  if (networks.default === undefined && Object.values(services).some((s) => s.networks.default !== undefined)) {
    networks.default = network("default", null, ctx);
  }
  return {
    name: ctx.projectName,
    workingDir: ctx.workingDir,
    files,
    services,
    disabledServices,
    profiles,
    networks,
    volumes: mapValues(model.volumes, (key, v) => volume(key, v, ctx)),
    secrets: mapValues(model.secrets, (key, s) => fileResource(key, s, ctx)),
    configs: mapValues(model.configs, (key, s) => fileResource(key, s, ctx)),
    extensions: extensions(raw),
  };
}

/** `names` and, transitively, the services they depend on (unknown names are left to the caller's errors). */
function withDependencies(model: ComposeFileInput, names: readonly string[]): Set<string> {
  const out = new Set<string>();
  const add = (name: string): void => {
    const s = model.services?.[name];
    if (s === undefined || out.has(name)) return;
    out.add(name);
    for (const dep of Object.keys(s.depends_on ?? {})) add(dep);
  };
  for (const name of names) add(name);
  return out;
}

function mapValues<I, O>(record: Record<string, I> | null | undefined, f: (key: string, v: I) => O): Record<string, O> {
  return Object.fromEntries(Object.entries(record ?? {}).map(([k, v]) => [k, f(k, v)]));
}

type External = boolean | { name?: string | undefined } | undefined;

// An external resource keeps its own name; a managed one is prefixed with the project, as compose names it.
function hostName(key: string, name: string | undefined, ext: External, ctx: NormalizeContext): { name: string; external: boolean } {
  const external = ext === true || (typeof ext === "object" && ext !== null);
  const legacy = typeof ext === "object" ? ext.name : undefined;
  return { name: name ?? legacy ?? (external ? key : `${ctx.projectName}_${key}`), external };
}

const labels = (entries: readonly (readonly [string, string | null])[] | undefined): Record<string, string> =>
  entriesToRecord(entries ?? [], "") as Record<string, string>;

function network(key: string, n: z.output<typeof networkSchema>, ctx: NormalizeContext): ComposeNetwork {
  return {
    ...hostName(key, n?.name, n?.external, ctx),
    ...(n?.driver !== undefined && { driver: n.driver }),
    driverOpts: n?.driver_opts ?? {},
    internal: n?.internal ?? false,
    attachable: n?.attachable ?? false,
    ...(n?.enable_ipv6 !== undefined && { enableIpv6: n.enable_ipv6 }),
    ...(n?.ipam !== undefined && {
      ipam: {
        ...(n.ipam.driver !== undefined && { driver: n.ipam.driver }),
        config: (n.ipam.config ?? []).map((c) => ({ ...(c.subnet !== undefined && { subnet: c.subnet }), ...(c.ip_range !== undefined && { ipRange: c.ip_range }), ...(c.gateway !== undefined && { gateway: c.gateway }) })),
      },
    }),
    labels: labels(n?.labels),
  };
}

function volume(key: string, v: z.output<typeof volumeSchema>, ctx: NormalizeContext): ComposeVolume {
  return {
    ...hostName(key, v?.name, v?.external, ctx),
    ...(v?.driver !== undefined && { driver: v.driver }),
    driverOpts: v?.driver_opts ?? {},
    labels: labels(v?.labels),
  };
}

function fileResource(key: string, s: z.output<typeof fileResourceSchema>, ctx: NormalizeContext): ComposeFileResource {
  return {
    ...hostName(key, s.name, s.external, ctx),
    ...(s.file !== undefined && { file: resolvePath(ctx, s.file) }),
    ...(s.environment !== undefined && { environment: s.environment }),
    // Read here, with the files' variables: whoever plans the stack later (the daemon) has another environment.
    ...(s.environment !== undefined && ctx.env[s.environment] !== undefined && { environmentValue: ctx.env[s.environment] }),
    ...(s.environment !== undefined && { environmentLoaded: true as const }),
    ...(s.content !== undefined && { content: s.content }),
    labels: labels(s.labels),
  };
}
