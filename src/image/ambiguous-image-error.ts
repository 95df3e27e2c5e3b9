import { BerthError } from "../oci/index.js";

/** An id or digest prefix that matches more than one image (docker: "… is ambiguous"). */
export class AmbiguousImageError extends BerthError {
  /** `candidates`: each matching image's full id (or manifest digest) and its names. */
  constructor(readonly ref: string, readonly candidates: readonly { readonly id: string; readonly names: readonly string[] }[]) {
    const list = candidates.map((c) => `${c.id} (${c.names.join(", ")})`).join("; ");
    super("INVALID_ARGUMENT", `image ${ref}: the prefix matches ${candidates.length} images: ${list}`, { hint: "give more digits of the id" });
  }
}
