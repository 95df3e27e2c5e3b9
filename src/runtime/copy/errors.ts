import { BerthError, type ErrorCode } from "../../oci/index.js";

/** A path of `docker cp` that does not exist (in the container or on the host). */
export class CopyPathNotFoundError extends BerthError {
  constructor(readonly side: "container" | "host", readonly path: string, cause?: unknown) {
    super("NOT_FOUND", `copy: ${side} path ${JSON.stringify(path)}: no such file or directory`, {
      cause,
      hint: side === "container" ? "paths are inside the container's filesystem; check it with `berth exec CONTAINER ls`" : "check the path on this machine",
    });
  }
}

/** Source and destination do not fit docker cp's rules (a directory onto a file, a missing parent, …). */
export class CopyRuleError extends BerthError {
  constructor(code: ErrorCode, readonly path: string, detail: string, hint: string) {
    super(code, `copy: ${JSON.stringify(path)}: ${detail}`, { hint });
  }
}

/** A symlink loop (or a chain longer than 255 links) while resolving a container path. */
export class TooManySymlinksError extends BerthError {
  constructor(readonly path: string) {
    super("FAILED_PRECONDITION", `copy: resolving ${JSON.stringify(path)}: more than 255 symlinks (a loop?)`, {
      hint: "a symlink on the way points back at itself; copy from or to a path without it",
    });
  }
}

/** A tar entry berth will not write: it would land outside the destination, or is a device. */
export class UnsafeArchiveEntryError extends BerthError {
  constructor(readonly entry: string, reason: string) {
    super("INVALID_ARGUMENT", `copy: tar entry ${JSON.stringify(entry)}: ${reason}`, {
      hint: "the archive is hostile or not meant for copying into a container; nothing after this entry was written",
    });
  }
}

/** A path inside the rootfs changed under us (a component became a symlink) while copying. */
export class PathChangedError extends BerthError {
  constructor(readonly path: string, cause?: unknown) {
    super("UNAVAILABLE", `copy: ${JSON.stringify(path)} changed while it was copied (a directory became a symlink or a file)`, {
      cause,
      hint: "the container is changing this path; stop it or copy again",
    });
  }
}

/**
 * A copy into a container that would write where the container may not:
 * the rootfs of a `--read-only` container, or a `:ro` volume or bind mount
 * (docker's messages, which scripts match).
 */
export class ReadOnlyDestinationError extends BerthError {
  constructor(readonly path: string, readonly where: "rootfs" | "mount") {
    super("FAILED_PRECONDITION", `copy to ${JSON.stringify(path)}: ${where === "rootfs" ? "container rootfs is marked read-only" : "mounted volume is marked read-only"}`, {
      hint: where === "rootfs"
        ? "the container runs with --read-only: copy into one of its read-write volumes or bind mounts"
        : "the volume or bind mount is mounted :ro: change its files on the host, or mount it read-write",
    });
  }
}

/** A copy into a container that would replace a mount point: the host's file or directory mounted there cannot be swapped from inside. */
export class MountPointReplaceError extends BerthError {
  constructor(readonly path: string, readonly source: string, entry: string) {
    super("FAILED_PRECONDITION", `copy: ${JSON.stringify(path)} is a mount point (of the host's ${source}): the archive's ${JSON.stringify(entry)} cannot replace it`, {
      hint: "copy into the directory mounted there, or change the mounted file on the host",
    });
  }
}
