import type { Digest } from "../oci/index.js";
import type { ImageView } from "./image-view.js";
import { chainIds } from "./unpack/chain-id.js";
import type { SnapshotInfo } from "./unpack/snapshot-meta.js";

/** Where the unpacked layers' records are read (ImageStore). */
export interface UnpackedLayers {
  snapshotInfo(chainId: Digest): Promise<SnapshotInfo | undefined>;
}

/**
 * The size of an image as `berth images` (SIZE, `size`) and `berth image
 * inspect` (`Size`) both report it: as docker, the unpacked size of its
 * layers, so one image id has one size whether its layers were stored
 * gzipped (a pull) or not (a docker-archive load). Per layer, the best
 * number known without reading it:
 *
 * 1. unpacked: its snapshot's size (the bytes of the uncompressed layer tar);
 * 2. stored uncompressed (its digest is its diffID): the blob's size, the same number;
 * 3. else the stored (compressed) blob's size, until it is unpacked.
 *
 * The config and manifest are not counted, as docker's Size does not count them.
 */
export async function imageSize(view: ImageView, unpacked: UnpackedLayers): Promise<number> {
  const diffIds = view.config.rootfs.diff_ids;
  // A config that does not list one diffID per layer names no snapshots: stored sizes only.
  const chains: readonly (Digest | undefined)[] = diffIds.length > 0 && diffIds.length === view.layers.length ? chainIds(diffIds) : [];
  let total = 0;
  for (const [i, layer] of view.layers.entries()) {
    const snapshot = chains[i] === undefined ? undefined : await unpacked.snapshotInfo(chains[i]);
    total += snapshot?.size ?? layer.size;
  }
  return total;
}
