import { BerthError } from "../oci/index.js";

/** A downloaded or cached file whose SHA256 is not the one its index promised. */
export class ChecksumMismatchError extends BerthError {
  constructor(readonly file: string, readonly expected: string, readonly actual: string) {
    super("FAILED_PRECONDITION", `${file}: SHA256 ${actual}, expected ${expected}`, {
      hint: "the mirror served a corrupted or tampered file, or the index changed under the lock; retry, or run with --update-lock",
    });
  }
}

/** An InRelease file whose OpenPGP signature gpgv rejected. */
export class SignatureError extends BerthError {
  constructor(readonly file: string, readonly detail: string) {
    super("FAILED_PRECONDITION", `${file}: OpenPGP signature not valid: ${detail}`, {
      hint: "check the mirror, and that the keyring (Signed-By or /usr/share/keyrings/debian-archive-keyring.gpg) holds the archive key",
    });
  }
}

/** A package (asked for, or a dependency) that no candidate in the indexes satisfies. */
export class UnsatisfiableDependencyError extends BerthError {
  constructor(readonly dependency: string, readonly chain: readonly string[]) {
    super("NOT_FOUND", `cannot satisfy "${dependency}"${chain.length ? ` (needed by ${chain.join(" → ")})` : ""}`, {
      hint: "check the package name, suite and components in the spec",
    });
  }
}

/** A .deb whose archive or data member is malformed or tries to escape the image root. */
export class BadPackageError extends BerthError {
  constructor(readonly file: string, readonly detail: string) {
    super("INVALID_ARGUMENT", `${file}: ${detail}`, { hint: "the package is corrupt or hostile; it was not installed" });
  }
}

/** A mirror that could not be reached or answered with an error. */
export class MirrorUnavailableError extends BerthError {
  constructor(readonly url: string, detail: string, cause?: unknown) {
    super("UNAVAILABLE", `${url}: ${detail}`, {
      cause,
      hint: "check the network, the proxy (HTTP_PROXY/HTTPS_PROXY) and the mirror in the apt sources or --mirror",
    });
  }
}
