import { BerthError } from "../oci/index.js";
import type { Digest } from "../oci/index.js";

/** The bytes written did not hash to the digest the writer was told to expect. */
export class DigestMismatchError extends BerthError {
  constructor(
    readonly ref: string,
    readonly expected: Digest,
    readonly actual: Digest,
  ) {
    super("FAILED_PRECONDITION", `ingest ${ref}: got digest ${actual}, expected ${expected}`, {
      hint: "the source changed or was corrupted in transit; send it again",
    });
  }
}

/** The bytes written were not as many as the writer was told to expect. */
export class SizeMismatchError extends BerthError {
  constructor(
    readonly ref: string,
    readonly expected: number,
    readonly actual: number,
  ) {
    super("FAILED_PRECONDITION", `ingest ${ref}: got ${actual} bytes, expected ${expected}`, {
      hint: "the transfer was cut short or the size is wrong; send it again",
    });
  }
}

/** A blob is not in the store. */
export class BlobNotFoundError extends BerthError {
  constructor(readonly digest: Digest) {
    super("NOT_FOUND", `blob ${digest}: not found`);
  }
}

/** Another writer holds the ingest. */
export class IngestLockedError extends BerthError {
  constructor(readonly ref: string) {
    super("UNAVAILABLE", `ingest ${ref}: another writer holds it`, { hint: "wait for it to finish, then retry" });
  }
}
