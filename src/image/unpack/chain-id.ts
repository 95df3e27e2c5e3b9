import { digestOf, InvalidArgumentError, type Digest } from "../../oci/index.js";

/**
 * The ChainID of every prefix of a layer stack (image-spec config.md, "Layer
 * ChainID"), base first: ChainID(L0) = DiffID(L0) and
 * ChainID(L0…Ln) = sha256(ChainID(L0…Ln-1) + " " + DiffID(Ln)).
 *
 * A ChainID names the filesystem that applying those layers in that order
 * yields, so images sharing a base share its snapshots. `diffIds` is the
 * config's `rootfs.diff_ids`; an empty list is refused.
 */
export function chainIds(diffIds: readonly Digest[]): Digest[] {
  if (diffIds.length === 0) {
    throw new InvalidArgumentError("diffIds: an image needs at least one layer to have a ChainID");
  }
  const out: Digest[] = [];
  for (const diffId of diffIds) {
    const parent = out[out.length - 1];
    out.push(parent === undefined ? diffId : digestOf(`${parent} ${diffId}`));
  }
  return out;
}
