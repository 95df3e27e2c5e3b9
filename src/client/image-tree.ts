import { BerthError, type ImageIndex, type ImageManifest, type Platform } from "../oci/index.js";
import type { FetchedManifest } from "./manifest-fetcher.js";
import type { RegistryClient } from "./registry-client.js";
import { selectManifests, type ManifestSelection } from "./select-manifests.js";

/** One image manifest of a tree, with the platform its index gave it. */
export interface TreeImage {
  readonly fetched: FetchedManifest;
  readonly manifest: ImageManifest;
  readonly platform?: Platform;
}

/** The manifests a reference leads to, fetched and verified. */
export interface ImageTree {
  /** What the reference names: an image manifest or an index. */
  readonly top: FetchedManifest;
  /** The image manifests taken: the top itself, or the chosen entries of the index. */
  readonly images: readonly TreeImage[];
  /** Indexes below the top (when all platforms are taken), each after the indexes it names. */
  readonly indexes: readonly FetchedManifest[];
}

// Indexes of indexes exist (a few multi-arch builders make them), deeper nesting does not.
const MAX_DEPTH = 3;

/**
 * Fetch the manifests below `top`: for an index, the entries `sel` picks
 * (recursing into nested indexes when all platforms are taken), each
 * verified against its descriptor. For an image manifest, just itself.
 */
export async function fetchImageTree(
  client: RegistryClient,
  repository: string,
  top: FetchedManifest,
  sel: ManifestSelection,
  signal?: AbortSignal,
): Promise<ImageTree> {
  if (!top.parsed.isIndex) return { top, images: [{ fetched: top, manifest: top.parsed.manifest as ImageManifest }], indexes: [] };
  const images: TreeImage[] = [];
  const indexes: FetchedManifest[] = [];
  const walk = async (index: FetchedManifest, depth: number): Promise<void> => {
    const what = `${client.host}/${repository}@${index.descriptor.digest}`;
    const chosen = selectManifests(index.parsed.manifest as ImageIndex, what, sel);
    const fetched = await Promise.all(chosen.map((d) => client.fetchManifest(repository, d.digest, { expected: d, ...(signal && { signal }) })));
    for (const [i, m] of fetched.entries()) {
      if (!m.parsed.isIndex) {
        const platform = chosen[i]!.platform;
        images.push({ fetched: m, manifest: m.parsed.manifest as ImageManifest, ...(platform && { platform }) });
        continue;
      }
      if (depth >= MAX_DEPTH) {
        throw new BerthError("INVALID_ARGUMENT", `${what}: indexes nested more than ${MAX_DEPTH} deep`, { hint: "this is not an image berth can use" });
      }
      await walk(m, depth + 1);
      indexes.push(m);
    }
  };
  await walk(top, 1);
  return { top, images, indexes };
}
