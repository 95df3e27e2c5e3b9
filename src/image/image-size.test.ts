import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { digestOf, MediaType, type Digest } from "../oci/index.js";
import { imageSize } from "./image-size.js";
import type { ImageView } from "./image-view.js";
import { chainIds } from "./unpack/chain-id.js";
import type { SnapshotInfo } from "./unpack/snapshot-meta.js";

const diffIds = [digestOf("base"), digestOf("top")];
const [baseChain, topChain] = chainIds(diffIds) as [Digest, Digest];

const view = (layerSizes: readonly number[], ids: readonly Digest[] = diffIds): ImageView => ({
  layers: layerSizes.map((size, i) => ({ mediaType: MediaType.OciLayerGzip, digest: digestOf(`gz${i}`), size })),
  config: { architecture: "amd64", os: "linux", rootfs: { type: "layers", diff_ids: ids } },
  configDescriptor: { mediaType: MediaType.OciConfig, digest: digestOf("config"), size: 999 },
} as unknown as ImageView);

const snapshots = (sizes: Partial<Record<Digest, number>>) => ({
  snapshotInfo: async (chainId: Digest): Promise<SnapshotInfo | undefined> =>
    sizes[chainId] === undefined ? undefined : ({ size: sizes[chainId] } as SnapshotInfo),
});

describe("imageSize", () => {
  const cases: { what: string; view: ImageView; unpacked: Partial<Record<Digest, number>>; want: number }[] = [
    { what: "unpacked: the snapshots' sizes", view: view([10, 20]), unpacked: { [baseChain]: 100, [topChain]: 200 }, want: 300 },
    { what: "not unpacked: the stored sizes, config not counted", view: view([10, 20]), unpacked: {}, want: 30 },
    { what: "partly unpacked: each layer's best known size", view: view([10, 20]), unpacked: { [baseChain]: 100 }, want: 120 },
    { what: "a config whose diff_ids do not match the layers: stored sizes", view: view([10, 20], [diffIds[0]!]), unpacked: { [baseChain]: 100 }, want: 30 },
  ];
  for (const c of cases) it(c.what, async () => assert.equal(await imageSize(c.view, snapshots(c.unpacked)), c.want));
});
