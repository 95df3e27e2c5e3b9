import { InvalidArgumentError } from "../../oci/index.js";
import { parseCapabilities, type CreateContainerOptions, type RestartPolicy } from "../../runtime/index.js";
import type { ComposeProject, ComposeService } from "../compose/index.js";
import { UnsupportedStackFeatureError } from "./errors.js";

/** What every replica of a service shares, and the settings that could not be applied. */
export interface ServiceOptions {
  readonly options: CreateContainerOptions;
  readonly warnings: readonly string[];
}

/** Modes of `network_mode` the runtime has; `service:` and `container:` share another's namespace, which it cannot. */
const NETWORK_MODES = ["host", "none", "bridge"];

/**
 * A service's container options, as `berth run` flags would give them:
 * env, command/entrypoint, user, working_dir, read_only, cap_add/drop,
 * init, hostname, tty, deploy.resources.limits, security_opt (no-new-privileges,
 * seccomp), and its one network with the service name and its aliases as
 * DNS names. Settings the runtime has no way to apply (extra_hosts, dns,
 * ulimits, sysctls, privileged, …) come back as warnings.
 *
 * Throws UnsupportedStackFeatureError for a service on more than one network,
 * a fixed address, or `network_mode: service:…`; InvalidArgumentError for a
 * capability that does not exist.
 */
export function serviceOptions(project: ComposeProject, s: ComposeService): ServiceOptions {
  const at = (field: string): string => `services.${s.name}.${field}`;
  const limits = s.deploy.resources.limits;
  const security = securityOptions(s);
  const options: CreateContainerOptions = {
    ...networkOptions(project, s),
    env: Object.entries(s.environment).map(([k, v]) => `${k}=${v}`),
    ...(s.entrypoint !== undefined && { entrypoint: s.entrypoint }),
    ...(s.command !== undefined && { cmd: s.command }),
    ...(s.user !== undefined && { user: s.user }),
    ...(s.workingDir !== undefined && { workdir: s.workingDir }),
    ...(s.hostname !== undefined && { hostname: s.hostname }),
    ...(s.readOnly && { readOnly: true }),
    ...(s.init === true && { init: true }),
    ...(s.tty && { tty: true }),
    capAdd: parseCapabilities(s.capAdd, at("cap_add")),
    capDrop: parseCapabilities(s.capDrop, at("cap_drop")),
    ...security.options,
    ...(limits.memoryBytes !== undefined && { memory: limits.memoryBytes }),
    ...(limits.cpus !== undefined && { cpus: limits.cpus }),
    ...(limits.pids !== undefined && { pidsLimit: limits.pids }),
  };
  return { options, warnings: [...security.warnings, ...unapplied(s)] };
}

function networkOptions(project: ComposeProject, s: ComposeService): Pick<CreateContainerOptions, "network" | "networkAliases"> {
  if (s.networkMode !== undefined) {
    if (!NETWORK_MODES.includes(s.networkMode)) {
      throw new UnsupportedStackFeatureError(s.name, "network_mode", `${JSON.stringify(s.networkMode)} is not supported`, "use host, none, bridge, or the service's networks:");
    }
    return { network: s.networkMode };
  }
  const keys = Object.keys(s.networks);
  if (keys.length === 0) return { network: "none" };
  if (keys.length > 1) {
    throw new UnsupportedStackFeatureError(s.name, "networks", `joins ${keys.length} networks (${keys.join(", ")}); berth's runtime attaches a container to one network today`,
      "put the services that talk to each other on one network");
  }
  const key = keys[0]!;
  const attachment = s.networks[key]!;
  if (attachment.ipv4Address !== undefined || attachment.ipv6Address !== undefined) {
    throw new UnsupportedStackFeatureError(s.name, `networks.${key}`, "fixed addresses (ipv4_address, ipv6_address) are not supported", "leave the address out; other services reach it by its service name");
  }
  const name = project.networks[key]?.name ?? key;
  return { network: name, networkAliases: [...new Set([s.name, ...attachment.aliases])] };
}

function securityOptions(s: ComposeService): { options: Pick<CreateContainerOptions, "noNewPrivileges" | "seccompProfile">; warnings: string[] } {
  const warnings: string[] = [];
  let noNewPrivileges = false;
  let seccompProfile: string | undefined;
  for (const o of s.securityOpt) {
    const seccomp = /^seccomp[=:](.+)$/.exec(o);
    if (/^no-new-privileges([:=]true)?$/.test(o)) noNewPrivileges = true;
    else if (seccomp) seccompProfile = seccomp[1];
    else warnings.push(`services.${s.name}.security_opt: ${JSON.stringify(o)} is not applied (berth knows no-new-privileges and seccomp=…)`);
  }
  return { options: { ...(noNewPrivileges && { noNewPrivileges: true }), ...(seccompProfile !== undefined && { seccompProfile }) }, warnings };
}

/** Settings the model carries that the runtime cannot apply yet: said once each, never silently dropped. */
function unapplied(s: ComposeService): string[] {
  const set: [string, boolean][] = [
    ["extra_hosts", s.extraHosts.length > 0], ["dns", s.dns.length > 0], ["dns_search", s.dnsSearch.length > 0],
    ["ulimits", Object.keys(s.ulimits).length > 0], ["sysctls", Object.keys(s.sysctls).length > 0], ["privileged", s.privileged],
    ["stdin_open", s.stdinOpen], ["shm_size", s.shmSizeBytes !== undefined], ["group_add", s.groupAdd.length > 0],
    ["stop_signal", s.stopSignal !== undefined], ["domainname", s.domainname !== undefined], ["logging", s.logging !== undefined],
    ["deploy.resources.reservations", Object.keys(s.deploy.resources.reservations).length > 0],
  ];
  return set.filter(([, on]) => on).map(([field]) => `services.${s.name}.${field}: not applied to containers by berth yet`);
}

/**
 * The restart policy `reconcileOnce` applies: `restart:`, else
 * `deploy.restart_policy` (condition any → always, on-failure → on-failure
 * with max_attempts, none → no), else no.
 */
export function restartPolicyOf(s: ComposeService): RestartPolicy {
  if (s.restart.policy !== "no") return { name: s.restart.policy, maximumRetryCount: s.restart.maxRetries ?? 0 };
  const d = s.deploy.restartPolicy;
  if (d === undefined || d.condition === "none") return { name: "no", maximumRetryCount: 0 };
  if (d.condition === "any") return { name: "always", maximumRetryCount: 0 };
  return { name: "on-failure", maximumRetryCount: d.maxAttempts ?? 0 };
}

/** A project name that cannot name containers (the loader normalises names, so only a hand-made project has one). */
export function checkProjectName(name: string): void {
  if (!/^[a-z0-9][a-z0-9_-]*$/.test(name)) {
    throw new InvalidArgumentError(`project name ${JSON.stringify(name.slice(0, 80))}: must start with a lower-case letter or digit and hold only a-z 0-9 _ -`);
  }
}
