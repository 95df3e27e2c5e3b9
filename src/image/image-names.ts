import { BerthError, formatReference, parseReference, type Reference } from "../oci/index.js";
import { ImageNotFoundError, type ImageRecord, type ImageStore } from "./image-store.js";

/** Parse what a user typed as an image name into the full name the store keys on. */
export function fullName(ref: string): { name: string; ref: Reference } {
  const r = parseReference(ref);
  return { name: formatReference(r), ref: r };
}

/** The records `ref` names; throws ImageNotFoundError when none. */
export async function findImage(store: ImageStore, ref: string): Promise<ImageRecord[]> {
  const found = await store.lookup(ref);
  if (found.length === 0) throw new ImageNotFoundError(ref);
  return found;
}

/** `berth tag SOURCE TARGET`: TARGET names what SOURCE names. */
export async function tagImage(store: ImageStore, source: string, target: string): Promise<ImageRecord> {
  const [src] = await findImage(store, source);
  const { name, ref } = fullName(target);
  if (ref.digest) {
    throw new BerthError("INVALID_ARGUMENT", `tag ${target}: a target name cannot carry a digest`, { hint: "give repository:tag" });
  }
  await store.setName(name, src!.target);
  return { ...src!, name };
}

/**
 * `berth rmi REF`: remove the name REF, or, for an id, every name of that
 * image (with `force` when there are several, as docker). Returns removed names.
 */
export async function removeImage(store: ImageStore, ref: string, opts: { force?: boolean } = {}): Promise<string[]> {
  const found = await findImage(store, ref);
  const byName = found.filter((r) => {
    try {
      return r.name === fullName(ref).name || parseReference(ref).digest !== undefined;
    } catch {
      return false;
    }
  });
  const targets = byName.length > 0 ? byName : found;
  const digests = new Set(targets.map((r) => r.target.digest));
  if (byName.length === 0 && (targets.length > 1 || digests.size > 1) && !opts.force) {
    throw new BerthError("FAILED_PRECONDITION", `image ${ref}: referenced by ${targets.map((r) => r.name).join(", ")}`, {
      hint: "remove the names one by one, or use -f to remove them all",
    });
  }
  const removed = await store.removeNames(targets.map((r) => r.name));
  return removed.map((r) => r.name);
}
