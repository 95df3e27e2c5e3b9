import { InvalidArgumentError } from "../../oci/index.js";
import type { VolumeLabels } from "./volume-labels.js";

/** How mounts below a bind mount propagate (mount(8) `--make-*`); docker's default is `rprivate`. */
export type BindPropagation = "private" | "rprivate" | "shared" | "rshared" | "slave" | "rslave";
export const BIND_PROPAGATIONS: readonly BindPropagation[] = ["private", "rprivate", "shared", "rshared", "slave", "rslave"];

/** A host directory or file mounted into the container. */
export interface BindMountRequest {
  readonly type: "bind";
  /** Absolute host path, without `.` or `..`. */
  readonly source: string;
  readonly target: string;
  readonly readOnly: boolean;
  /** Absent: docker's default, `rprivate`. */
  readonly propagation?: BindPropagation;
  /** The flag as given (`-v /srv:/data`), for error messages. */
  readonly origin: string;
}

/** A named volume, or an anonymous one when `name` is absent. */
export interface VolumeMountRequest {
  readonly type: "volume";
  readonly name?: string;
  readonly target: string;
  readonly readOnly: boolean;
  /** `nocopy` / `volume-nocopy`: do not copy the image's files into a new, empty volume. */
  readonly noCopy: boolean;
  /** Labels for the volume if this mount creates it (`volume-label=`). */
  readonly labels: VolumeLabels;
  readonly origin: string;
}

/** A tmpfs; `options` are mount(8) options (`size=…`, `mode=…`, `ro`). */
export interface TmpfsMountRequest {
  readonly type: "tmpfs";
  readonly target: string;
  readonly options: readonly string[];
  readonly origin: string;
}

/** One `-v` or `--mount`, parsed: every value here is valid. */
export type MountRequest = BindMountRequest | VolumeMountRequest | TmpfsMountRequest;

const MAX_PATH = 4096;

/**
 * `path` as an absolute, clean container path: repeated and trailing
 * slashes folded. Throws InvalidArgumentError (prefixed by `subject`) for
 * a relative path, `.` or `..` components, `/` itself, a control character or a path
 * longer than 4096 bytes: none of these can name a mount point docker
 * would accept.
 */
export function checkContainerPath(path: string, subject: string): string {
  if (path === "") throw new InvalidArgumentError(`${subject}: the container path is empty`, { hint: "give an absolute path such as /data" });
  if (!path.startsWith("/")) {
    throw new InvalidArgumentError(`${subject}: the container path ${JSON.stringify(path)} is not absolute`, { hint: `did you mean /${path}?` });
  }
  return checkAbsolute(path, subject, "container path", true);
}

/** `path` as an absolute, clean host path; the same rules as {@link checkContainerPath}, `/` allowed. */
export function checkHostPath(path: string, subject: string): string {
  if (!path.startsWith("/")) throw new InvalidArgumentError(`${subject}: the host path ${JSON.stringify(path)} is not absolute`);
  return checkAbsolute(path, subject, "host path", false);
}

function checkAbsolute(path: string, subject: string, what: string, refuseRoot: boolean): string {
  if (/[\u0000-\u001f\u007f]/.test(path)) throw new InvalidArgumentError(`${subject}: the ${what} holds a control character (NUL, newline, …)`);
  if (Buffer.byteLength(path) > MAX_PATH) throw new InvalidArgumentError(`${subject}: the ${what} is longer than ${MAX_PATH} bytes`);
  const parts = path.split("/").filter((p) => p !== "");
  if (parts.some((p) => p === "..")) {
    throw new InvalidArgumentError(`${subject}: the ${what} ${JSON.stringify(path)} holds "..", which is refused`, { hint: "give the path without .. components" });
  }
  if (parts.some((p) => p === ".")) throw new InvalidArgumentError(`${subject}: the ${what} ${JSON.stringify(path)} holds "." components`);
  if (refuseRoot && parts.length === 0) throw new InvalidArgumentError(`${subject}: cannot mount over the container's root /`);
  return `/${parts.join("/")}`;
}

/** `true`/`false` the way Go's strconv.ParseBool reads them (docker's `readonly=`), else undefined. */
export function parseBool(value: string): boolean | undefined {
  if (["1", "t", "T", "true", "TRUE", "True"].includes(value)) return true;
  if (["0", "f", "F", "false", "FALSE", "False"].includes(value)) return false;
  return undefined;
}
