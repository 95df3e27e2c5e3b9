import type { CopyImageOptions } from "../client/index.js";
import { BerthError, formatReference, type Descriptor } from "../oci/index.js";
import { importArchive, readOciLayoutDir } from "./archive/index.js";
import { parseImageLocation, type ImageLocation } from "./image-location.js";
import type { ImageStore } from "./image-store.js";
import { sendTo } from "./push.js";
import { loadClient } from "./load-client.js";

/**
 * `berth copy SOURCE DESTINATION`. Registry to registry streams each blob
 * from source to destination with nothing stored locally (cross-repository
 * mount on one registry, existing blobs skipped). Any other pair (an `oci:`
 * layout or `docker-archive:` on either side) goes through the local content
 * store without naming anything, so `berth image prune` reclaims it.
 */
export async function copy(store: ImageStore, source: string, destination: string, opts: CopyImageOptions = {}): Promise<Descriptor> {
  const src = parseImageLocation(source);
  const dest = parseImageLocation(destination);
  if (src.kind === "registry" && dest.kind === "registry") return (await (await loadClient()).copyImage(src.ref, dest.ref, opts)).descriptor;
  return store.withLease(async () => {
    const target = await stage(store, src, opts);
    return sendTo(store, target, dest, src.kind === "registry" ? formatReference(src.ref) : undefined, opts);
  });
}

async function stage(store: ImageStore, src: ImageLocation, opts: CopyImageOptions): Promise<Descriptor> {
  if (src.kind === "registry") {
    const r = await (await loadClient()).pullImage(src.ref, store.content, { ...opts, ...(opts.platform ? {} : { allPlatforms: true }) });
    return r.descriptor;
  }
  const imported = src.kind === "oci"
    ? await readOciLayoutDir(src.dir, store.content, src.tag ? { ref: src.tag } : {})
    : await importArchive(src.file, store.content, src.ref ? { ref: src.ref } : {});
  if (imported.length !== 1) {
    throw new BerthError("INVALID_ARGUMENT", `${src.kind === "oci" ? src.dir : src.file}: holds ${imported.length} images, copy takes one`, {
      hint: "name it: oci:DIR:tag or docker-archive:FILE:repo:tag",
    });
  }
  return imported[0]!.manifest;
}
