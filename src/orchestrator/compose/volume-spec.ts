import { InvalidArgumentError } from "../../oci/index.js";

/** The long syntax of a `volumes:` entry, the form both syntaxes are read into. */
export interface LongVolumeSpec {
  readonly type: string;
  readonly source?: string;
  readonly target?: string;
  readonly read_only?: boolean;
  readonly consistency?: string;
  readonly bind?: { readonly propagation?: string; readonly create_host_path?: boolean; readonly selinux?: string };
  readonly volume?: { readonly nocopy?: boolean; readonly subpath?: string };
  readonly tmpfs?: { readonly size?: number | string; readonly mode?: number | string };
}

const PROPAGATIONS = ["rprivate", "private", "rshared", "shared", "rslave", "slave"];
const HINT = "write SOURCE:TARGET[:OPTIONS] (\"data:/var/lib/data\", \"./conf:/etc/app:ro\") or the long syntax with type, source and target";

/**
 * Whether a short-syntax source is a host path (a bind mount) rather than a
 * volume name, decided as docker compose does: it starts with `.`, `/` or `~`.
 * So `data:/x` mounts the named volume `data`, while `./data:/x` binds a directory.
 */
export const isHostPath = (source: string): boolean => source.startsWith(".") || source.startsWith("/") || source.startsWith("~");

/**
 * Parse the short syntax of a `volumes:` entry as docker compose does
 * (compose-go's format.ParseVolume): `/path` (an anonymous volume),
 * `name:/path`, `./rel:/path`, `/abs:/path:ro`, `~/x:/path:ro,z`. Options are
 * `ro`, `rw`, `nocopy`, the bind propagations and SELinux `z`/`Z`; unknown
 * options are ignored, as compose ignores them. A bind from the short syntax
 * creates a missing host path, as docker-compose always did.
 */
export function parseVolumeSpec(spec: string): LongVolumeSpec {
  if (spec === "") throw bad(spec, "empty");
  const parts = spec.split(":");
  if (parts.some((p) => p === "")) throw bad(spec, "empty part between colons");
  if (parts.length > 3) throw bad(spec, "too many colons");
  if (parts.length === 1) return { type: "volume", target: checkTarget(parts[0]!, spec) };
  const [source, target, options] = parts as [string, string, string | undefined];
  checkTarget(target, spec);
  let readOnly = false;
  let nocopy = false;
  let propagation: string | undefined;
  let selinux: string | undefined;
  for (const option of (options ?? "").split(",")) {
    if (option === "ro") readOnly = true;
    else if (option === "rw") readOnly = false;
    else if (option === "nocopy") nocopy = true;
    else if (PROPAGATIONS.includes(option)) propagation = option;
    else if (option === "z" || option === "Z") selinux = option;
  }
  if (isHostPath(source)) {
    return {
      type: "bind", source, target, read_only: readOnly,
      bind: { create_host_path: true, ...(propagation !== undefined && { propagation }), ...(selinux !== undefined && { selinux }) },
    };
  }
  return { type: "volume", source, target, read_only: readOnly, volume: { nocopy } };
}

function checkTarget(target: string, spec: string): string {
  if (!target.startsWith("/")) throw bad(spec, `the container path ${JSON.stringify(target)} must be absolute`);
  return target;
}

const bad = (spec: string, why: string): InvalidArgumentError =>
  new InvalidArgumentError(`invalid volume ${JSON.stringify(spec)}: ${why}`, { hint: HINT });

/** The key under which compose merges `volumes:` entries: the container path. */
export function volumeTarget(entry: unknown): string | undefined {
  if (typeof entry === "string") {
    try {
      return parseVolumeSpec(entry).target;
    } catch {
      return undefined;
    }
  }
  if (typeof entry === "object" && entry !== null && typeof (entry as { target?: unknown }).target === "string") {
    return (entry as { target: string }).target;
  }
  return undefined;
}
