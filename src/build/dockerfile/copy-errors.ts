import { BerthError, type ErrorCode } from "../../oci/index.js";

/** Longest user-given path quoted in a message: a hostile 1 MB name must not become a 1 MB message. */
const MAX_QUOTED = 160;

/** `"text"`, JSON-quoted (a newline shows as `\n`) and cut when very long. */
export function quotePath(text: string): string {
  return JSON.stringify(text.length <= MAX_QUOTED ? text : `${text.slice(0, MAX_QUOTED)}…`);
}

/**
 * A COPY/ADD source that is not there: missing, excluded by `.dockerignore`,
 * or a symlink whose target (resolved inside the context) is missing.
 * The builder adds the Dockerfile line.
 */
export class CopySourceNotFoundError extends BerthError {
  constructor(readonly source: string, readonly from: "context" | "rootfs") {
    super("NOT_FOUND", from === "context"
      ? `source ${quotePath(source)}: not found in the build context or excluded by .dockerignore`
      : `source ${quotePath(source)}: no such file or directory in the stage or image copied from`, {
      hint: from === "context"
        ? "source paths are relative to the context directory; check the name, and that .dockerignore does not leave it out"
        : "check the path in the stage or image named by --from",
    });
  }
}

/** A source path whose `..` climbs above the context root (`COPY ../secret /x`), as docker refuses it. */
export class CopyOutsideContextError extends BerthError {
  constructor(readonly source: string) {
    super("INVALID_ARGUMENT", `source ${quotePath(source)}: forbidden path outside the build context`, {
      hint: "COPY and ADD read only files below the context directory; move the file into it, or build with a wider context",
    });
  }
}

/** A source COPY/ADD cannot take: a URL given to COPY, `--checksum` on a local file. */
export class InvalidCopySourceError extends BerthError {
  constructor(readonly source: string, detail: string, hint: string) {
    super("INVALID_ARGUMENT", `source ${quotePath(source)}: ${detail}`, { hint });
  }
}

/** Every source was a wildcard and none matched a file: docker's "no source files were specified". */
export class NoSourceFilesError extends BerthError {
  constructor(readonly patterns: readonly string[]) {
    super("NOT_FOUND", `no source files were specified: nothing matches ${patterns.map(quotePath).join(", ")}`, {
      hint: "wildcards match paths relative to the context root (`*` does not cross `/`); check .dockerignore too",
    });
  }
}

/** The destination cannot take the sources: several sources without a trailing `/`, a file where a directory must be. */
export class CopyDestinationError extends BerthError {
  constructor(readonly destination: string, detail: string, hint: string, code: ErrorCode = "INVALID_ARGUMENT") {
    super(code, `destination ${quotePath(destination)}: ${detail}`, { hint });
  }
}

/** A `--chown` or `--chmod` value that cannot be used. */
export class CopyOwnerError extends BerthError {
  constructor(readonly flag: "--chown" | "--chmod", readonly value: string, detail: string, hint: string) {
    super("INVALID_ARGUMENT", `${flag}=${quotePath(value)}: ${detail}`, { hint });
  }
}

/** An entry of an ADD archive that berth will not write: a device node, a whiteout, a hard link to nothing. */
export class UnsafeArchiveError extends BerthError {
  constructor(readonly archive: string, readonly entry: string, reason: string) {
    super("INVALID_ARGUMENT", `archive ${quotePath(archive)}: entry ${quotePath(entry)}: ${reason}`, {
      hint: "the archive is malformed or hostile; unpack it yourself and COPY the result, or fix the archive",
    });
  }
}

/** An ADD URL that could not be fetched. */
export class AddDownloadError extends BerthError {
  constructor(readonly url: string, detail: string, cause?: unknown) {
    super("UNAVAILABLE", `${quotePath(url)}: ${detail}`, {
      cause,
      hint: "check the URL, the network and the proxy (HTTP_PROXY, HTTPS_PROXY, NO_PROXY)",
    });
  }
}

/** An ADD URL whose content does not have the digest `--checksum` promised. */
export class AddChecksumError extends BerthError {
  constructor(readonly url: string, readonly expected: string, readonly actual: string) {
    super("FAILED_PRECONDITION", `${quotePath(url)}: content has digest ${actual}, expected ${expected} (--checksum)`, {
      hint: "the file at the URL changed or was tampered with; check the source, then update --checksum",
    });
  }
}
