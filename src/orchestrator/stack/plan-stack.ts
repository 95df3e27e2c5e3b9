import { join } from "node:path";
import { InvalidArgumentError } from "../../oci/index.js";
import { dependencyOrder, type ComposeProject, type ComposeService } from "../compose/index.js";
import { configHash } from "./config-hash.js";
import { replicaPorts } from "./replica-ports.js";
import { serviceMounts } from "./service-mounts.js";
import { checkProjectName, restartPolicyOf, serviceOptions } from "./service-options.js";
import type { PlannedFile, PlannedNetwork, PlannedService, PlannedVolume, StackPlan } from "./stack-plan.js";
import { replicaLabels, resourceLabels } from "./stack-labels.js";

/** Options of {@link planStack}. */
export interface PlanStackOptions {
  /** `--scale SVC=N`: replicas by service, over `deploy.replicas`. */
  readonly scale?: Readonly<Record<string, number>>;
  /** Where secret and config files from `environment:`/`content:` go; default `/var/lib/berth/stacks/<project>` (root's berth root). */
  readonly stackDir?: string;
  /** Values of `environment:` secrets; default process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** Most replicas of one service on one host: more is a typo, and each is a container with its own monitor. */
export const MAX_REPLICAS = 1000;

/**
 * The desired state of `project` on this host (see {@link StackPlan}), pure:
 * nothing on the host is read or changed. Services come in dependency order.
 *
 * Throws InvalidArgumentError for a `--scale` naming no service or a count
 * that is not 0…1000, or a `container_name` with more than one replica;
 * PublishedPortConflictError, UnsupportedStackFeatureError and
 * ExternalResourceNotFoundError from the per-service mapping; and
 * DependencyCycleError.
 */
export function planStack(project: ComposeProject, opts: PlanStackOptions = {}): StackPlan {
  checkProjectName(project.name);
  for (const [name, n] of Object.entries(opts.scale ?? {})) {
    if (project.services[name] === undefined) throw new InvalidArgumentError(`--scale ${name}=${n}: no service ${name} in project ${project.name}`, { hint: `services: ${Object.keys(project.services).join(", ")}` });
    if (!Number.isSafeInteger(n) || n < 0 || n > MAX_REPLICAS) throw new InvalidArgumentError(`--scale ${name}=${n}: replicas must be a whole number from 0 to ${MAX_REPLICAS}`, { hint: `e.g. --scale ${name}=3` });
  }
  const stackDir = opts.stackDir ?? join("/var/lib/berth/stacks", project.name);
  const env = opts.env ?? process.env;
  const warnings: string[] = [];
  const files: PlannedFile[] = [];
  const services = dependencyOrder(project).map((name) => {
    const planned = planService(project, project.services[name]!, opts.scale?.[name], stackDir, env);
    warnings.push(...planned.warnings);
    for (const f of planned.files) if (!files.some((g) => g.path === f.path)) files.push(f);
    return planned.service;
  });
  const used = new Set(Object.values(project.services).flatMap((s) => (s.networkMode === undefined ? Object.keys(s.networks) : [])));
  return { project: project.name, stackDir, networks: planNetworks(project, used), volumes: planVolumes(project), files, services, warnings };
}

function planService(project: ComposeProject, s: ComposeService, scaled: number | undefined, stackDir: string, env: Readonly<Record<string, string | undefined>>): {
  service: PlannedService; warnings: readonly string[]; files: readonly PlannedFile[];
} {
  const replicas = scaled ?? (s.deploy.mode === "global" ? 1 : s.deploy.replicas);
  if (s.containerName !== undefined && replicas > 1) {
    throw new InvalidArgumentError(`service ${s.name}: container_name ${s.containerName} names one container, but ${replicas} replicas are asked for`, { hint: "remove container_name to scale the service" });
  }
  const { options, warnings } = serviceOptions(project, s);
  const mounts = serviceMounts(project, s, stackDir, env);
  const hash = configHash(s);
  const replicaSpecs = Array.from({ length: replicas }, (_, i) => {
    const number = i + 1;
    const name = s.containerName ?? `${project.name}-${s.name}-${number}`;
    const labels = { ...s.labels, ...replicaLabels({ project: project.name, service: s.name, number, configHash: hash }) };
    return { number, name, options: { ...options, name, labels, publish: replicaPorts(s, number, replicas), mounts: mounts.mounts, tmpfs: mounts.tmpfs } };
  });
  const dependsOn = Object.fromEntries(Object.entries(s.dependsOn).filter(([d]) => project.services[d] !== undefined));
  const service: PlannedService = {
    name: s.name,
    image: s.image ?? `${project.name}-${s.name}`,
    ...(s.build !== undefined && { build: s.build }),
    ...(s.pullPolicy !== undefined && { pullPolicy: s.pullPolicy }),
    replicas,
    configHash: hash,
    dependsOn,
    restart: restartPolicyOf(s),
    ...(s.healthcheck !== undefined && { healthcheck: s.healthcheck }),
    ...(s.stopGracePeriodMs !== undefined && { stopTimeoutS: Math.ceil(s.stopGracePeriodMs / 1000) }),
    hostPaths: mounts.hostPaths,
    replicaSpecs,
  };
  return { service, warnings, files: mounts.files };
}

/** The networks services join (the project's `default` only when one does), with their first subnet. */
function planNetworks(project: ComposeProject, used: ReadonlySet<string>): PlannedNetwork[] {
  return Object.entries(project.networks).filter(([key]) => used.has(key)).map(([key, n]) => {
    const ipam = n.ipam?.config[0];
    return {
      key, name: n.name, external: n.external,
      ...(ipam?.subnet !== undefined && { subnet: ipam.subnet }),
      ...(ipam?.gateway !== undefined && { gateway: ipam.gateway }),
      internal: n.internal,
      labels: n.external ? {} : { ...n.labels, ...resourceLabels(project.name, "network", key) },
    };
  });
}

function planVolumes(project: ComposeProject): PlannedVolume[] {
  return Object.entries(project.volumes).map(([key, v]) => ({
    key, name: v.name, external: v.external,
    labels: v.external ? {} : { ...v.labels, ...resourceLabels(project.name, "volume", key) },
  }));
}
