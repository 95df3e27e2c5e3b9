import type { ComposeProject } from "./compose-project.js";
import { dependencyOrder, DependencyCycleError } from "./dependency-order.js";
import type { NormalizeContext } from "./normalize-context.js";
import type { YamlPath } from "./yaml-path.js";

/**
 * Check what one value alone cannot show: every service has an image or a
 * build; `depends_on`, `networks`, volumes, secrets, configs and
 * `network_mode: service:…` name things that exist (a dependency on a service
 * left out by profiles is an error when required, a warning when not);
 * `depends_on` has no cycle; `container_name` is unique and not combined with
 * more than one replica; replicas sit inside the autoscale range. Returns the
 * project with optional dependencies on absent services removed.
 */
export function validateProject(project: ComposeProject, allServices: readonly string[], ctx: Pick<NormalizeContext, "error" | "warn">): ComposeProject {
  const fail = (path: YamlPath, detail: string, hint: string): never => {
    throw ctx.error(path, detail, hint);
  };
  const services = { ...project.services };
  const containerNames = new Map<string, string>();
  for (const [name, s] of Object.entries(project.services)) {
    const at = (...rest: (string | number)[]): YamlPath => ["services", name, ...rest];
    if (s.image === undefined && s.build === undefined) fail(at(), "has neither an image nor a build context", "add image: or build:");
    const dependsOn = { ...s.dependsOn };
    for (const [dep, d] of Object.entries(s.dependsOn)) {
      if (dep in project.services) continue;
      const known = allServices.includes(dep);
      if (d.required) {
        fail(at("depends_on", dep), known ? `depends on "${dep}", which no active profile enables` : `depends on undefined service "${dep}"`,
          known ? `enable a profile of "${dep}" or mark the dependency required: false` : `define services.${dep} or remove it from depends_on`);
      }
      ctx.warn(at("depends_on", dep), `optional dependency "${dep}" is not in the project; not waited for`);
      delete dependsOn[dep];
    }
    if (s.networkMode !== undefined && s.networkMode.startsWith("service:")) {
      const target = s.networkMode.slice("service:".length);
      if (!(target in project.services)) fail(at("network_mode"), `network_mode refers to undefined or disabled service "${target}"`, `define services.${target}, or enable one of its profiles`);
    }
    if (s.networkMode !== undefined && Object.keys(s.networks).length > 0) fail(at("networks"), "networks cannot be set together with network_mode", "remove one of them");
    for (const net of Object.keys(s.networks)) {
      if (!(net in project.networks)) fail(at("networks", net), `refers to undefined network "${net}"`, `define it under the top-level networks:`);
    }
    s.volumes.forEach((v, i) => {
      if (v.type === "volume" && v.source !== undefined && !(v.source in project.volumes)) {
        fail(at("volumes", i), `refers to undefined volume "${v.source}"`, `define it under the top-level volumes:, or write ./${v.source} for a directory`);
      }
    });
    for (const kind of ["secrets", "configs"] as const) {
      s[kind].forEach((g, i) => {
        if (!(g.source in project[kind])) fail(at(kind, i), `refers to undefined ${kind.slice(0, -1)} "${g.source}"`, `define it under the top-level ${kind}:`);
      });
    }
    const auto = s.berth.autoscale;
    if (s.containerName !== undefined) {
      if (s.deploy.replicas > 1 || (auto !== undefined && auto.max > 1)) {
        fail(at("container_name"), `container_name "${s.containerName}" cannot be used with more than one replica`, "remove container_name, or run one replica");
      }
      const other = containerNames.get(s.containerName);
      if (other !== undefined) fail(at("container_name"), `container_name "${s.containerName}" is already used by service "${other}"`, "container names are unique on a machine; rename one");
      containerNames.set(s.containerName, name);
    }
    if (auto !== undefined && (s.deploy.replicas < auto.min || s.deploy.replicas > auto.max)) {
      fail(at("deploy", "replicas"), `${s.deploy.replicas} replicas is outside x-berth.autoscale's ${auto.min}..${auto.max}`, "set replicas within the range, or leave it out to start at the minimum");
    }
    services[name] = { ...s, dependsOn };
  }
  for (const kind of ["secrets", "configs"] as const) {
    for (const [key, r] of Object.entries(project[kind])) {
      const sources = [r.file, r.environment, r.content].filter((x) => x !== undefined).length + (r.external ? 1 : 0);
      if (sources !== 1) fail([kind, key], `needs exactly one of file, environment${kind === "configs" ? ", content" : ""} or external, has ${sources}`, `say where the ${kind.slice(0, -1)} comes from, one way`);
    }
  }
  const checked = { ...project, services };
  try {
    dependencyOrder(checked);
  } catch (e) {
    if (e instanceof DependencyCycleError) fail(["services", e.cycle[0]!, "depends_on"], e.message, e.hint ?? "remove one link of the cycle");
    throw e;
  }
  return checked;
}
