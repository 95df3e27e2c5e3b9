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
