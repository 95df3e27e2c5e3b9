import { inspectImage, type DockerImageInspect } from "./image-inspect.js";
import { findImage } from "./image-names.js";
import { imageSize } from "./image-size.js";
import type { ImageRecord, ImageStore } from "./image-store.js";
import { openImage } from "./image-view.js";

/**
 * `berth image inspect REF` for one REF: docker's JSON of the image REF
 * names (see ImageStore.lookup), listing every name that points at the same
 * manifest or index. `stored` is the store's list when the caller has read it
 * already (one read for several refs). Throws ImageNotFoundError,
 * AmbiguousImageError, or the content store's error for a missing blob.
 */
export async function inspectStoredImage(store: ImageStore, ref: string, stored?: readonly ImageRecord[]): Promise<DockerImageInspect> {
  const [first] = await findImage(store, ref);
  const view = await openImage(store.content, first!.target, first!.platform);
  const all = (stored ?? await store.list()).filter((r) => r.target.digest === first!.target.digest);
  return inspectImage(view, all, await imageSize(view, store));
}
