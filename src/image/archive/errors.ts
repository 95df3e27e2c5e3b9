import { BerthError, isBerthError, type BerthErrorOptions, type ErrorCode } from "../../oci/index.js";

/**
 * One entry of an archive is unsafe or malformed: a path that leaves the
 * archive, a link that escapes it, a device node, bytes that do not match the
 * digest its path names, a JSON document that does not parse. `entry` is the
 * entry's name as the archive spells it.
 */
export class ArchiveEntryError extends BerthError {
  constructor(
    readonly entry: string,
    reason: string,
    opts: BerthErrorOptions & { code?: ErrorCode } = {},
  ) {
    super(opts.code ?? "INVALID_ARGUMENT", `archive entry ${JSON.stringify(entry)}: ${reason}`, opts);
  }
}

/** A file that the archive's own index (manifest.json, index.json, a manifest) names is not in it. */
export class MissingEntryError extends BerthError {
  constructor(
    readonly entry: string,
    readonly referencedBy: string,
    opts: BerthErrorOptions = {},
  ) {
    super("NOT_FOUND", `archive: ${referencedBy} names ${JSON.stringify(entry)}, which is not in the archive`, {
      hint: "the archive is incomplete; save or copy the image again",
      ...opts,
    });
  }
}

/** The archive as a whole is not one berth can read: not a tar, truncated, neither format. */
export class ArchiveFormatError extends BerthError {
  constructor(message: string, opts: BerthErrorOptions = {}) {
    super("INVALID_ARGUMENT", `archive: ${message}`, opts);
  }
}

/** A layer is compressed in a way this Node.js cannot decompress (zstd before Node 22.15, bzip2, xz). */
export class UnsupportedCompressionError extends BerthError {
  constructor(
    readonly subject: string,
    readonly compression: string,
    opts: BerthErrorOptions = {},
  ) {
    super("FAILED_PRECONDITION", `${subject}: ${compression} compression cannot be decompressed here`, opts);
  }
}

/** A blob an image to export needs is not in the content store. */
export class MissingBlobError extends BerthError {
  constructor(
    readonly digest: string,
    readonly referencedBy: string,
  ) {
    super("NOT_FOUND", `blob ${digest} (${referencedBy}) is not in the content store`, {
      hint: "the image is incomplete here; pull it again (for an index: with all platforms)",
    });
  }
}

/** A stored blob an export reads is not what its descriptor says (size, media type, content). */
export class StoredContentError extends BerthError {
  constructor(
    readonly digest: string,
    reason: string,
    opts: BerthErrorOptions = {},
  ) {
    super("FAILED_PRECONDITION", `blob ${digest}: ${reason}`, opts);
  }
}

/** An index was given where one platform is needed (a docker-archive holds single-platform images). */
export class PlatformRequiredError extends BerthError {
  constructor(
    readonly image: string,
    readonly platforms: readonly string[],
  ) {
    super("INVALID_ARGUMENT", `${image} is an index of ${platforms.length} platforms (${platforms.join(", ")}); a docker-archive holds one`, {
      hint: "pick one with a platform (e.g. linux/amd64), or save all of them as an OCI layout",
    });
  }
}


/**
 * Where an archive or a layout directory was to be written cannot take it:
 * the path is a symlink, FIFO, device, socket or directory (refused, as
 * docker save refuses them, rather than replaced), its parent is missing, or
 * the write itself failed (permission, full or read-only disk). `path` is the
 * destination as given; no temp file is left behind.
 */
export class ArchiveOutputError extends BerthError {
  constructor(
    readonly path: string,
    reason: string,
    opts: BerthErrorOptions & { code?: ErrorCode } = {},
  ) {
    super(opts.code ?? "FAILED_PRECONDITION", `write ${path}: ${reason}`, opts);
  }

  /** A failed file-system call on the way to `path`, with what the user can do about its errno. */
  static fromSystemError(path: string, e: unknown): ArchiveOutputError {
    const err = e as NodeJS.ErrnoException;
    const errno = ERRNO_ADVICE[err.code ?? ""];
    return new ArchiveOutputError(path, err.message, {
      cause: e,
      code: errno?.code ?? "FAILED_PRECONDITION",
      hint: errno?.hint ?? "choose another path",
    });
  }
}

const ERRNO_ADVICE: Record<string, { code: ErrorCode; hint: string }> = {
  ENOENT: { code: "FAILED_PRECONDITION", hint: "create the directory first (mkdir -p), or choose another path" },
  ENOTDIR: { code: "FAILED_PRECONDITION", hint: "a component of the path is a file, not a directory; choose another path" },
  EACCES: { code: "PERMISSION_DENIED", hint: "write where you have permission, or fix the directory's permissions" },
  EPERM: { code: "PERMISSION_DENIED", hint: "write where you have permission, or fix the directory's permissions" },
  EROFS: { code: "FAILED_PRECONDITION", hint: "the file system is read-only; choose another path" },
  ENOSPC: { code: "UNAVAILABLE", hint: "the disk is full; free space or write to another disk" },
  EDQUOT: { code: "UNAVAILABLE", hint: "the disk quota is used up; free space or write to another disk" },
  EISDIR: { code: "FAILED_PRECONDITION", hint: "name a file, not a directory" },
};

/** An errno failure of a file-system call (ENOSPC, EIO, …), not one of berth's own errors. */
export function isSystemError(e: unknown): e is NodeJS.ErrnoException {
  return !isBerthError(e) && e instanceof Error && typeof (e as NodeJS.ErrnoException).syscall === "string";
}
