import { join } from "node:path";
import { InvalidArgumentError } from "../../oci/index.js";
import { parseTmpfs, type BindPropagation, type MountRequest, type TmpfsMount } from "../../runtime/index.js";
import type { ComposeFileResource, ComposeProject, ComposeService, FileGrant, VolumeMount } from "../compose/index.js";
import { ExternalResourceNotFoundError, UnsupportedStackFeatureError } from "./errors.js";
import type { PlannedFile } from "./stack-plan.js";

/** A service's mounts as the runtime takes them. */
export interface ServiceMounts {
  readonly mounts: readonly MountRequest[];
  readonly tmpfs: readonly TmpfsMount[];
  readonly hostPaths: readonly string[];
  readonly files: readonly PlannedFile[];
}

/**
 * `volumes:`, `tmpfs:`, `secrets:` and `configs:` of a service: named
 * volumes become the project's volume (`<project>_<key>`), binds keep their
 * absolute host path (created when missing, as compose's
 * `create_host_path`), secrets and configs become read-only binds of their
 * file at their target (`/run/secrets/<name>`, `/<name>`); those given by
 * `environment:` or `content:` are written under `stackDir` first.
 * Throws UnsupportedStackFeatureError for `npipe`, `cluster` and `image`
 * mounts and volume `subpath`, ExternalResourceNotFoundError for external
 * secrets and configs (swarm only).
 */
export function serviceMounts(project: ComposeProject, service: ComposeService, stackDir: string, env: Readonly<Record<string, string | undefined>>): ServiceMounts {
  const mounts: MountRequest[] = [];
  const hostPaths: string[] = [];
  service.volumes.forEach((v, i) => {
    const origin = `services.${service.name}.volumes[${i}]`;
    const m = volumeMount(project, service.name, v, origin);
    if (v.type === "bind" && v.bind?.createHostPath !== false && v.source !== undefined) hostPaths.push(v.source);
    mounts.push(m);
  });
  const files: PlannedFile[] = [];
  for (const [kind, grants, resources] of [["secret", service.secrets, project.secrets], ["config", service.configs, project.configs]] as const) {
    for (const g of grants) {
      const { source, file } = grantSource(kind, g, resources[g.source], stackDir, env);
      if (file !== undefined && !files.some((f) => f.path === file.path)) files.push(file);
      mounts.push({ type: "bind", source, target: g.target, readOnly: true, origin: `services.${service.name}.${kind}s: ${g.source}` });
    }
  }
  return { mounts, tmpfs: service.tmpfs.map(parseTmpfs), hostPaths, files };
}

const PROPAGATIONS: readonly BindPropagation[] = ["private", "rprivate", "shared", "rshared", "slave", "rslave"];

function volumeMount(project: ComposeProject, service: string, v: VolumeMount, origin: string): MountRequest {
  switch (v.type) {
    case "volume": {
      if (v.volume?.subpath !== undefined) throw new UnsupportedStackFeatureError(service, origin, "volume subpath is not supported", "mount the whole volume");
      const name = v.source === undefined ? undefined : (project.volumes[v.source]?.name ?? v.source);
      return { type: "volume", ...(name !== undefined && { name }), target: v.target, readOnly: v.readOnly, noCopy: v.volume?.nocopy ?? false, labels: {}, origin };
    }
    case "bind": {
      const propagation = v.bind?.propagation;
      if (propagation !== undefined && !PROPAGATIONS.includes(propagation as BindPropagation)) {
        throw new InvalidArgumentError(`${origin}: bind propagation ${JSON.stringify(propagation)} is not one of ${PROPAGATIONS.join(", ")}`);
      }
      return {
        type: "bind", source: v.source ?? "", target: v.target, readOnly: v.readOnly, origin,
        ...(propagation !== undefined && { propagation: propagation as BindPropagation }),
      };
    }
    case "tmpfs": {
      const options = [
        ...(v.tmpfs?.sizeBytes !== undefined ? [`size=${v.tmpfs.sizeBytes}`] : []),
        ...(v.tmpfs?.mode !== undefined ? [`mode=${v.tmpfs.mode.toString(8)}`] : []),
        ...(v.readOnly ? ["ro"] : []),
      ];
      return { type: "tmpfs", target: v.target, options, origin };
    }
    default:
      throw new UnsupportedStackFeatureError(service, origin, `mounts of type ${v.type} are not supported on this host`, "use a volume, a bind or a tmpfs");
  }
}

/** The host file a grant binds, and the file to write first when its content does not come from a host file. */
function grantSource(kind: "secret" | "config", g: FileGrant, r: ComposeFileResource | undefined, stackDir: string, env: Readonly<Record<string, string | undefined>>): { source: string; file?: PlannedFile } {
  if (r === undefined || r.external) throw new ExternalResourceNotFoundError(kind, r?.name ?? g.source);
  if (r.file !== undefined) return { source: r.file };
  // `env` (the planner's: the daemon's own) only for a project made by hand: a loaded one carries the caller's value, or none.
  const fromEnv = (name: string): string | undefined => (r.environmentLoaded ? r.environmentValue : (r.environmentValue ?? env[name]));
  const content = r.content ?? (r.environment !== undefined ? fromEnv(r.environment) : "");
  if (content === undefined) {
    throw new InvalidArgumentError(`${kind} ${g.source}: environment variable ${r.environment} is not set`, { hint: `set ${r.environment} in the environment or in the project's .env` });
  }
  const path = join(stackDir, `${kind}s`, g.source);
  return { source: path, file: { kind, key: g.source, path, content } };
}
