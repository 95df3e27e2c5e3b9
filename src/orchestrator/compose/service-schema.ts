import * as z from "zod";
import { deploySchema } from "./deploy-schema.js";
import {
  commandSchema, dependsOnSchema, envFileSchema, exposeEntry, extraHostsSchema, fileGrantSchema, healthcheckSchema,
  portEntry, restartSchema, serviceNetworksSchema, ulimitsSchema, volumeEntry,
} from "./service-parts-schema.js";
import { bool, byteSize, count, cpus, duration, ignored, int, listOrDict, scalarString, stringOrList } from "./schema-primitives.js";
import { xBerthSchema } from "./x-berth-schema.js";

/** `build:` as a mapping (a string is its `context`). */
export const buildSchema = z.object({
  context: z.string().optional(),
  dockerfile: z.string().optional(),
  dockerfile_inline: z.string().optional(),
  args: listOrDict.optional(),
  target: z.string().optional(),
  labels: listOrDict.optional(),
  tags: z.array(z.string()).optional(),
  platforms: z.array(z.string()).optional(),
  cache_from: z.array(z.string()).optional(),
  cache_to: z.array(z.string()).optional(),
  no_cache: bool.optional(),
  pull: bool.optional(),
  network: z.string().optional(),
  ssh: ignored, secrets: ignored, extra_hosts: ignored, isolation: ignored, privileged: ignored,
  shm_size: ignored, ulimits: ignored, additional_contexts: ignored, entitlements: ignored, provenance: ignored, sbom: ignored,
});

/**
 * One service as written, fields checked and short syntaxes read; relative
 * paths, environment and defaults are the normaliser's. Fields compose knows
 * but berth does not act on are `ignored` (accepted, warned about); `extends`
 * is refused by the loader, as dropping it would change the service.
 */
export const serviceSchema = z.object({
  image: z.string().optional(),
  build: z.union([z.string().transform((context) => ({ context })), buildSchema], { error: "expected a context path or {context, dockerfile, args, target}" }).optional(),
  command: commandSchema.optional(),
  entrypoint: commandSchema.optional(),
  environment: listOrDict.optional(),
  env_file: envFileSchema.optional(),
  ports: z.array(portEntry).transform((p) => p.flat()).optional(),
  expose: z.array(exposeEntry).optional(),
  volumes: z.array(volumeEntry).optional(),
  tmpfs: stringOrList.optional(),
  depends_on: dependsOnSchema.optional(),
  healthcheck: healthcheckSchema.optional(),
  restart: restartSchema.optional(),
  init: bool.optional(),
  user: scalarString.optional(),
  working_dir: z.string().optional(),
  read_only: bool.optional(),
  cap_add: z.array(z.string()).optional(),
  cap_drop: z.array(z.string()).optional(),
  labels: listOrDict.optional(),
  profiles: z.array(z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/, { error: "is not a profile name ([a-zA-Z0-9][a-zA-Z0-9_.-]*)" })).optional(),
  networks: serviceNetworksSchema.optional(),
  network_mode: z.string().optional(),
  container_name: z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/, { error: "is not a container name ([a-zA-Z0-9][a-zA-Z0-9_.-]+)" }).optional(),
  hostname: z.string().optional(),
  domainname: z.string().optional(),
  stop_signal: z.string().optional(),
  stop_grace_period: duration.optional(),
  secrets: z.array(fileGrantSchema).optional(),
  configs: z.array(fileGrantSchema).optional(),
  deploy: deploySchema.optional(),
  scale: count.optional(),
  extra_hosts: extraHostsSchema.optional(),
  dns: stringOrList.optional(),
  dns_search: stringOrList.optional(),
  ulimits: ulimitsSchema.optional(),
  sysctls: listOrDict.optional(),
  privileged: bool.optional(),
  tty: bool.optional(),
  stdin_open: bool.optional(),
  pull_policy: z.enum(["always", "never", "missing", "if_not_present", "build", "daily", "weekly"], { error: "must be always, never, missing, build" }).optional(),
  platform: z.string().optional(),
  shm_size: byteSize.optional(),
  security_opt: z.array(z.string()).optional(),
  group_add: z.array(scalarString).optional(),
  logging: z.object({ driver: z.string().optional(), options: z.record(z.string(), scalarString.nullable()).optional() }).optional(),
  mem_limit: byteSize.optional(),
  mem_reservation: byteSize.optional(),
  cpus: cpus.optional(),
  pids_limit: int.optional(),
  "x-berth": xBerthSchema.optional(),
  extends: ignored,
  attach: ignored, annotations: ignored, blkio_config: ignored, cgroup: ignored, cgroup_parent: ignored,
  cpu_count: ignored, cpu_percent: ignored, cpu_shares: ignored, cpu_quota: ignored, cpu_period: ignored,
  cpu_rt_period: ignored, cpu_rt_runtime: ignored, cpuset: ignored, credential_spec: ignored, develop: ignored,
  device_cgroup_rules: ignored, devices: ignored, dns_opt: ignored, external_links: ignored, gpus: ignored,
  ipc: ignored, isolation: ignored, label_file: ignored, links: ignored, mac_address: ignored,
  mem_swappiness: ignored, memswap_limit: ignored, models: ignored, oom_kill_disable: ignored, oom_score_adj: ignored,
  pid: ignored, post_start: ignored, pre_stop: ignored, provider: ignored, runtime: ignored, storage_opt: ignored,
  uts: ignored, userns_mode: ignored, use_api_socket: ignored, volumes_from: ignored,
});

export type ServiceInput = z.output<typeof serviceSchema>;
