import { InvalidArgumentError } from "../../oci/index.js";
import { BIND_PROPAGATIONS, checkContainerPath, checkHostPath, type BindPropagation, type MountRequest } from "./mount-request.js";
import { checkVolumeName } from "./volume-name.js";

/** What a `-v` mode list (`ro,nocopy`) says. */
interface Modes {
  readonly readOnly: boolean;
  readonly noCopy: boolean;
  readonly propagation?: BindPropagation;
}

const MODES_HELP = "ro, rw, nocopy, z, Z, or a propagation: private, rprivate, shared, rshared, slave, rslave";

/** `flag spec` for messages; a spec with control characters is quoted so the terminal shows it as it is. */
export function flagSubject(flag: string, spec: string): string {
  return `${flag} ${/[\s\u0000-\u001f\u007f"]/.test(spec) || spec === "" ? JSON.stringify(spec) : spec}`;
}

/**
 * docker's `-v`/`--volume` value, one of:
 *
 * - `/host/path:/ctr[:MODES]`: a bind mount of an absolute host path;
 * - `name:/ctr[:MODES]`: a named volume (docker's name rule);
 * - `/ctr[:MODES]`: an anonymous volume.
 *
 * MODES is a comma list of `ro`/`rw`, `nocopy` (volumes), a propagation
 * (binds) and `z`/`Z` (SELinux relabelling: accepted and ignored, as docker
 * does on a host without SELinux). Throws InvalidArgumentError naming the
 * flag and the part at fault; `..` in either path is refused, and so is a
 * relative source that is not a volume name (docker's hint: give an
 * absolute path).
 */
export function parseVolumeFlag(spec: string): MountRequest {
  const subject = flagSubject("-v", spec);
  const parts = spec.split(":");
  if (spec === "") throw new InvalidArgumentError(`${subject}: empty`, { hint: "give [SOURCE:]/container/path[:ro]" });
  if (parts.length > 3) {
    throw new InvalidArgumentError(`${subject}: too many ":"; expected [SOURCE:]TARGET[:MODES]`, {
      hint: "a path holding \":\" can be given with --mount type=bind,source=…,target=…",
    });
  }
  if (parts.length === 1 || (parts.length === 2 && parts[0]!.startsWith("/") && !parts[1]!.startsWith("/") && parts[1] !== "")) {
    const target = checkContainerPath(parts[0]!, subject);
    const modes = parseModes(parts[1], "volume", subject);
    return { type: "volume", target, readOnly: modes.readOnly, noCopy: modes.noCopy, labels: {}, origin: subject };
  }
  const [source, rawTarget, rawModes] = parts as [string, string, string?];
  if (source === "") throw new InvalidArgumentError(`${subject}: the source before ":" is empty`, { hint: "give a host path or a volume name" });
  const target = checkContainerPath(rawTarget, subject);
  if (source.startsWith("/")) {
    const modes = parseModes(rawModes, "bind", subject);
    return {
      type: "bind", source: checkHostPath(source, subject), target, readOnly: modes.readOnly,
      ...(modes.propagation !== undefined && { propagation: modes.propagation }), origin: subject,
    };
  }
  checkVolumeName(source, subject, { isMountSource: true });
  const modes = parseModes(rawModes, "volume", subject);
  return { type: "volume", name: source, target, readOnly: modes.readOnly, noCopy: modes.noCopy, labels: {}, origin: subject };
}

function parseModes(list: string | undefined, kind: "bind" | "volume", subject: string): Modes {
  if (list === undefined) return { readOnly: false, noCopy: false };
  let access: string | undefined;
  let noCopy = false;
  let propagation: BindPropagation | undefined;
  for (const mode of list.split(",")) {
    const conflict = (what: string): InvalidArgumentError =>
      new InvalidArgumentError(`${subject}: mode ${JSON.stringify(mode)} conflicts with ${what} given before it`);
    if (mode === "ro" || mode === "rw") {
      if (access !== undefined) throw conflict(JSON.stringify(access));
      access = mode;
    } else if (mode === "nocopy") {
      if (kind === "bind") throw new InvalidArgumentError(`${subject}: nocopy applies to volumes, not to a host path`);
      if (noCopy) throw conflict("nocopy");
      noCopy = true;
    } else if ((BIND_PROPAGATIONS as readonly string[]).includes(mode)) {
      if (kind === "volume") throw new InvalidArgumentError(`${subject}: propagation ${mode} applies to host paths, not to volumes`);
      if (propagation !== undefined) throw conflict(`propagation ${propagation}`);
      propagation = mode as BindPropagation;
    } else if (mode !== "z" && mode !== "Z") {
      throw new InvalidArgumentError(`${subject}: mode ${JSON.stringify(mode)} is not one of ${MODES_HELP}`);
    }
  }
  return { readOnly: access === "ro", noCopy, ...(propagation !== undefined && { propagation }) };
}
