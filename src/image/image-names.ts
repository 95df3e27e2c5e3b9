import { BerthError, formatReference, parseReference, type Digest, type Reference } from "../oci/index.js";
import { ImageInUseError } from "./image-in-use-error.js";
import { ImageNotFoundError, type ImageRecord, type ImageStore } from "./image-store.js";
import type { ImageUser } from "./image-user.js";

/** Parse what a user typed as an image name into the full name the store keys on. */
export function fullName(ref: string): { name: string; ref: Reference } {
  const r = parseReference(ref);
  return { name: formatReference(r), ref: r };
}

/** The records `ref` names (see ImageStore.lookup); throws ImageNotFoundError when none, AmbiguousImageError for a prefix of several images. */
export async function findImage(store: ImageStore, ref: string): Promise<ImageRecord[]> {
  const found = await store.lookup(ref);
  if (found.length === 0) throw new ImageNotFoundError(ref);
  return found;
}

/** `berth tag SOURCE TARGET`: TARGET names what SOURCE names (the same platform of an index, too). */
export async function tagImage(store: ImageStore, source: string, target: string): Promise<ImageRecord> {
  const [src] = await findImage(store, source);
  const { name, ref } = fullName(target);
  if (ref.digest) {
    throw new BerthError("INVALID_ARGUMENT", `tag ${target}: a target name cannot carry a digest`, { hint: "give repository:tag" });
  }
  await store.setName(name, src!.target, src!.platform);
  return { ...src!, name };
}

/** Options for {@link removeImage}. */
export interface RemoveImageOptions {
  /** docker's -f: remove every name of an image given by id, and the last name of an image a stopped container uses. */
  readonly force?: boolean;
  /** The containers (any state) of the root: their images are protected as docker protects them. */
  readonly users?: readonly ImageUser[];
}

/**
 * `berth rmi REF`: remove the name REF, or, for an id, every name of that
 * image (with `force` when there are several, as docker). Returns removed
 * names; the content goes at the next prune, which keeps what containers use.
 *
 * As docker, a container in any state keeps its image: the last name of an
 * image a container uses is removed only with `force` (the container keeps
 * the layers); an id whose image a stopped container uses needs `force`; an
 * id whose image a running container uses is refused even so. Throws
 * ImageNotFoundError, AmbiguousImageError, ImageInUseError, and
 * FAILED_PRECONDITION for `repo@digest` of a platform's manifest inside an index.
 */
export async function removeImage(store: ImageStore, ref: string, opts: RemoveImageOptions = {}): Promise<string[]> {
  return (await removeImageRecords(store, ref, opts)).map((r) => r.name);
}

/** {@link removeImage}, returning the records removed (their targets say which content the image had). */
export async function removeImageRecords(store: ImageStore, ref: string, opts: RemoveImageOptions = {}): Promise<ImageRecord[]> {
  const found = await findImage(store, ref);
  // repo@<digest of an index entry> finds the entry (see ImageStore.lookup), which no name of its own holds.
  const names = new Set((await store.list()).map((r) => r.name));
  if (found.some((r) => !names.has(r.name))) {
    throw new BerthError("FAILED_PRECONDITION", `image ${ref}: is one platform's manifest inside a stored index, which no name of its own holds`, {
      hint: "remove the name of the index (berth images --digests lists it)",
    });
  }
  const byName = found.filter((r) => {
    try {
      return r.name === fullName(ref).name || parseReference(ref).digest !== undefined;
    } catch {
      return false;
    }
  });
  const targets = byName.length > 0 ? byName : found;
  const users = (opts.users ?? []).filter((u) => u.state !== "removing");
  const ids = new Set((await Promise.all(targets.map((r) => store.imageIds(r.target.digest)))).flat());
  const user = (state?: ImageUser["state"]): (ImageUser & { imageId: Digest }) | undefined =>
    users.find((u): u is ImageUser & { imageId: Digest } => u.imageId !== undefined && ids.has(u.imageId) && (state === undefined || u.state === state));
  if (byName.length > 0) {
    const used = opts.force ? undefined : user();
    if (used !== undefined && !(await hasOtherName(store, used.imageId, targets))) throw new ImageInUseError(ref, used.imageId, used, "last-name");
  } else {
    const running = user("running");
    if (running !== undefined) throw new ImageInUseError(ref, running.imageId, running, "running");
    const stopped = opts.force ? undefined : user("stopped");
    if (stopped !== undefined) throw new ImageInUseError(ref, stopped.imageId, stopped, "stopped");
    const digests = new Set(targets.map((r) => r.target.digest));
    if ((targets.length > 1 || digests.size > 1) && !opts.force) {
      throw new BerthError("FAILED_PRECONDITION", `image ${ref}: referenced by ${targets.map((r) => r.name).join(", ")}`, {
        hint: "remove the names one by one, or use -f to remove them all",
      });
    }
  }
  return store.removeNames(targets.map((r) => r.name));
}

/** Whether a name other than `removing` leads to image `imageId`. */
async function hasOtherName(store: ImageStore, imageId: Digest, removing: readonly ImageRecord[]): Promise<boolean> {
  for (const r of await store.list()) {
    if (removing.some((x) => x.name === r.name)) continue;
    if ((await store.imageIds(r.target.digest)).includes(imageId)) return true;
  }
  return false;
}
