import { join } from "node:path";
import { InvalidArgumentError } from "../../oci/index.js";
import { dependencyOrder, type ComposeProject, type ComposeService } from "../compose/index.js";
import { configHash } from "./config-hash.js";
import { balancedPorts, replicaPorts } from "./replica-ports.js";
import { serviceMounts } from "./service-mounts.js";
import { checkProjectName, restartPolicyOf, serviceOptions } from "./service-options.js";
import type { BalancedPort, PlannedFile, PlannedNetwork, PlannedService, PlannedVolume, StackPlan } from "./stack-plan.js";
import { replicaLabels, resourceLabels } from "./stack-labels.js";

/** Options of {@link planStack}. */
export interface PlanStackOptions {
  /** `--scale SVC=N`: replicas by service, over `deploy.replicas`. */
  readonly scale?: Readonly<Record<string, number>>;
  /** Where secret and config files from `environment:`/`content:` go; default `/var/lib/berth/stacks/<project>` (root's berth root). */
  readonly stackDir?: string;
  /** Values of `environment:` secrets of a project made by hand (one loadComposeProject made has them, or has them unset); default process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /**
   * The daemon's mode: each service's TCP ports with one host port (or none)
   * become {@link PlannedService.balancedPorts}, bound by a load balancer
   * over the healthy replicas, so any number of replicas may share a fixed
   * host port; the replicas publish nothing for them. Default false: every
   * replica publishes its own ports. The config hash is the same either way.
   */
  readonly balancedPorts?: boolean;
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
 * ExternalResourceNotFoundError from the per-service mapping;
 * InvalidArgumentError for two balanced ports on one host port; and
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
    const planned = planService(project, project.services[name]!, opts.scale?.[name], stackDir, env, opts.balancedPorts ?? false);
    warnings.push(...planned.warnings);
    for (const f of planned.files) if (!files.some((g) => g.path === f.path)) files.push(f);
    return planned.service;
  });
  if (opts.balancedPorts === true) checkBalancedPorts(services);
  const used = new Set(Object.values(project.services).flatMap((s) => (s.networkMode === undefined ? Object.keys(s.networks) : [])));
  warnings.push(...unappliedResourceSettings(project, used));
  return { project: project.name, stackDir, networks: planNetworks(project, used), volumes: planVolumes(project), files, services, warnings };
}

function planService(
  project: ComposeProject, s: ComposeService, scaled: number | undefined, stackDir: string, env: Readonly<Record<string, string | undefined>>, balanced: boolean,
): {
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
    return { number, name, options: { ...options, name, labels, publish: replicaPorts(s, number, replicas, balanced), mounts: mounts.mounts, tmpfs: mounts.tmpfs } };
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
    ...(s.berth.probe !== undefined && { probe: s.berth.probe }),
    ...(s.stopGracePeriodMs !== undefined && { stopTimeoutS: Math.ceil(s.stopGracePeriodMs / 1000) }),
    hostPaths: mounts.hostPaths,
    replicaSpecs,
    ...(balanced && { balancedPorts: balancedPorts(s) }),
  };
  return { service, warnings, files: mounts.files };
}

/** Two balancers cannot bind one host port: a fixed port given twice (on one address, or on one and on all) is refused before anything is made. */
function checkBalancedPorts(services: readonly PlannedService[]): void {
  const seen: { service: string; port: BalancedPort }[] = [];
  for (const s of services) {
    for (const port of s.balancedPorts ?? []) {
      if (port.hostPort === 0) continue;
      const other = seen.find((o) => o.port.hostPort === port.hostPort && (o.port.hostIp === port.hostIp || o.port.hostIp === "0.0.0.0" || port.hostIp === "0.0.0.0"));
      if (other !== undefined) {
        const where = other.service === s.name ? `twice by service ${s.name}` : `by services ${other.service} and ${s.name}`;
        throw new InvalidArgumentError(`host port ${port.hostPort}/tcp is published ${where}; one port has one load balancer`, {
          hint: "publish each service on its own host port, or leave the host port out to get a free one",
        });
      }
      seen.push({ service: s.name, port });
    }
  }
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

/**
 * What the runtime cannot apply of the networks and volumes it makes: every
 * network is a bridge with one subnet and every volume a directory under the
 * root, whatever the file says. Said on every `up`, as the services' settings
 * are: a volume meant for NFS or tmpfs silently written to the local disk
 * is a surprise found too late.
 */
function unappliedResourceSettings(project: ComposeProject, usedNetworks: ReadonlySet<string>): string[] {
  const out: string[] = [];
  // The keys only: values may be credentials (a CIFS volume's `o: username=…,password=…`), and warnings reach the output and the event log.
  const opts = (o: Readonly<Record<string, string>>): string => Object.keys(o).join(", ");
  for (const [key, v] of Object.entries(project.volumes)) {
    if (v.external) continue;
    if (v.driver !== undefined && v.driver !== "local") out.push(`volumes.${key}.driver: ${JSON.stringify(v.driver)} is not applied: the volume is a directory under berth's root`);
    if (Object.keys(v.driverOpts).length > 0) out.push(`volumes.${key}.driver_opts (${opts(v.driverOpts)}) is not applied: the volume is a plain directory under berth's root, not what the options mount (mount it on the host and bind that path instead)`);
  }
  for (const [key, n] of Object.entries(project.networks)) {
    if (n.external || !usedNetworks.has(key)) continue;
    if (n.driver !== undefined && n.driver !== "bridge") out.push(`networks.${key}.driver: ${JSON.stringify(n.driver)} is not applied: the network is a bridge`);
    if (Object.keys(n.driverOpts).length > 0) out.push(`networks.${key}.driver_opts (${opts(n.driverOpts)}) is not applied`);
    if (n.enableIpv6 === true) out.push(`networks.${key}.enable_ipv6 is not applied: the network is IPv4 only`);
    if ((n.ipam?.config.length ?? 0) > 1) out.push(`networks.${key}.ipam.config: only the first subnet is used`);
    if (n.ipam?.config[0]?.ipRange !== undefined) out.push(`networks.${key}.ipam.config[0].ip_range is not applied: addresses come from the whole subnet`);
  }
  return out;
}

function planVolumes(project: ComposeProject): PlannedVolume[] {
  return Object.entries(project.volumes).map(([key, v]) => ({
    key, name: v.name, external: v.external,
    labels: v.external ? {} : { ...v.labels, ...resourceLabels(project.name, "volume", key) },
  }));
}
