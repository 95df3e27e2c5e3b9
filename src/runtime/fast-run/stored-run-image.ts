import { chainIds, openImage, type ImageStore } from "../../image/index.js";
import type { Platform } from "../../oci/index.js";
import type { RunImage } from "../run-image.js";

/**
 * `image` as the store already holds it, unpacked for `platform`: what
 * prepareRunImage finds without pulling or unpacking, or undefined when it
 * would have to do either. Kept apart from prepareRunImage so that running
 * a stored image loads none of the registry client's and unpacker's code.
 */
export async function storedRunImage(store: ImageStore, image: string, platform: Platform): Promise<RunImage | undefined> {
  const found = (await store.lookup(image))[0];
  if (found === undefined) return undefined;
  const view = await openImage(store.content, found.target, platform);
  const id = view.configDescriptor.digest;
  const chain = chainIds(view.config.rootfs.diff_ids);
  if (chain.length === 0) return { name: found.name, id, config: view.config, lowerDirs: [] };
  const lowerDirs = await (await store.snapshots()).imageLowerDirs(chain);
  return lowerDirs === undefined ? undefined : { name: found.name, id, config: view.config, lowerDirs };
}
