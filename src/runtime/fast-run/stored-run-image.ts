import { existsSync } from "node:fs";
import { chainIds, openImage, type ImageStore } from "../../image/index.js";
import type { Platform } from "../../oci/index.js";
import type { RunImage } from "../run-image.js";
import { deepFreeze } from "../internal/deep-freeze.js";

/** What {@link storedRunImage} found, and the store's names when it did. */
interface Remembered {
  readonly namesVersion: string;
  readonly image: RunImage;
}

const remembered = new WeakMap<ImageStore, Map<string, Remembered>>();
/** Images remembered per store: a daemon runs a handful of images over and over. */
const REMEMBER = 32;

/**
 * `image` as the store already holds it, unpacked for `platform`: what
 * prepareRunImage finds without pulling or unpacking, or undefined when it
 * would have to do either. Kept apart from prepareRunImage so that running
 * a stored image loads none of the registry client's and unpacker's code.
 *
 * A process that runs many containers (the daemon) finds an image it found
 * before without reading the store again (index, manifest, config and
 * snapshot records: ~1.5 ms on the path of every `run`) as long as the
 * store's names are unchanged and the snapshots still there: what a name
 * points at changes only with the names, and what a digest holds never does.
 * The image returned is shared: callers must not change it.
 */
export async function storedRunImage(store: ImageStore, image: string, platform: Platform): Promise<RunImage | undefined> {
  const key = `${platform.os}/${platform.architecture}/${platform.variant ?? ""} ${image}`;
  const byKey = remembered.get(store) ?? new Map<string, Remembered>();
  remembered.set(store, byKey);
  const version = store.namesVersion();
  const known = byKey.get(key);
  if (known !== undefined && known.namesVersion === version && known.image.lowerDirs.every((d) => existsSync(d))) return known.image;
  byKey.delete(key);
  const found = await lookUp(store, image, platform);
  // The names read may be newer than `version`, never older: remembered under the older, it is read again at worst.
  if (found !== undefined && version !== undefined) {
    if (byKey.size >= REMEMBER) byKey.delete(byKey.keys().next().value!);
    byKey.set(key, { namesVersion: version, image: deepFreeze(found) });
  }
  return found;
}

async function lookUp(store: ImageStore, image: string, platform: Platform): Promise<RunImage | undefined> {
  const found = (await store.lookup(image))[0];
  if (found === undefined) return undefined;
  const view = await openImage(store.content, found.target, platform);
  const id = view.configDescriptor.digest;
  const chain = chainIds(view.config.rootfs.diff_ids);
  if (chain.length === 0) return { name: found.name, id, config: view.config, lowerDirs: [] };
  const lowerDirs = await (await store.snapshots()).imageLowerDirs(chain);
  return lowerDirs === undefined ? undefined : { name: found.name, id, config: view.config, lowerDirs };
}
