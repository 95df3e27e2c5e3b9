import { chainIds, pull, unpackFor, openImage, type ImageStore, type PullOptions } from "../image/index.js";
import { hostPlatform, type Descriptor, type ImageConfig, type Platform } from "../oci/index.js";

/** An image ready to be a container's rootfs. */
export interface RunImage {
  /** The name the store knows it by (or what the user typed, for an id). */
  readonly name: string;
  /** The config's digest: docker's image Id. */
  readonly id: string;
  readonly config: ImageConfig;
  /** Snapshot directories for overlayfs's lowerdir, top first; empty for an image without layers. */
  readonly lowerDirs: readonly string[];
}

/** Options for {@link prepareRunImage}. */
export interface PrepareImageOptions extends Pick<PullOptions, "onProgress" | "onUnpack" | "signal" | "insecureRegistries"> {
  /** Default this machine's. */
  readonly platform?: Platform;
}

/**
 * Find `image` in the store (name, id or digest prefix) or, as docker does,
 * pull it when absent (a reference, `oci:DIR[:tag]` or `docker-archive:FILE`);
 * unpack it for `platform` when its snapshots are missing. Throws the
 * image layer's errors (ImageNotFoundError, PlatformNotFoundError, a pull's errors).
 */
export async function prepareRunImage(store: ImageStore, image: string, opts: PrepareImageOptions = {}): Promise<RunImage> {
  const platform = opts.platform ?? hostPlatform();
  let name: string;
  let target: Descriptor;
  const found = await store.lookup(image);
  if (found.length > 0) {
    name = found[0]!.name;
    target = found[0]!.target;
  } else {
    const [pulled] = await pull(store, image, { ...opts, platform });
    name = pulled!.names[0] ?? image;
    target = pulled!.descriptor;
  }
  const view = await openImage(store.content, target, platform);
  const top = chainIds(view.config.rootfs.diff_ids).at(-1);
  const id = view.configDescriptor.digest;
  if (top === undefined) return { name, id, config: view.config, lowerDirs: [] };
  const snapshots = await store.snapshots();
  if ((await snapshots.info(top)) === undefined) {
    await unpackFor(store, target, platform, { ...(opts.onUnpack && { onUnpack: opts.onUnpack }), ...(opts.signal && { signal: opts.signal }) });
  }
  return { name, id, config: view.config, lowerDirs: await snapshots.lowerDirs(top) };
}
