import { ImageNotFoundError, pull, unpackFor, type ImageStore, type PullOptions } from "../image/index.js";
import { storedRunImage } from "./fast-run/stored-run-image.js";
import { BerthError, hostPlatform, type Descriptor, type ImageConfig, type Platform } from "../oci/index.js";

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
  /**
   * docker's `--pull`: `missing` (the default) pulls an image the store lacks; `always` pulls (or
   * imports) it even when the store has it, as a tag may name another image now; `never` takes
   * only what the store holds, anything else is an ImageNotFoundError.
   */
  readonly pull?: "missing" | "always" | "never";
}

/**
 * Find `image` in the store (name, id or digest prefix) or, as docker does,
 * pull it when absent (a reference, `oci:DIR[:tag]` or `docker-archive:FILE`);
 * unpack it for `platform` when its snapshots are missing. Throws the
 * image layer's errors (ImageNotFoundError, PlatformNotFoundError, a pull's errors).
 */
export async function prepareRunImage(store: ImageStore, image: string, opts: PrepareImageOptions = {}): Promise<RunImage> {
  const platform = opts.platform ?? hostPlatform();
  const always = opts.pull === "always";
  const stored = always ? undefined : await storedRunImage(store, image, platform);
  if (stored !== undefined) return stored;
  let target: Descriptor;
  let name: string;
  const found = always ? [] : await store.lookup(image);
  if (found.length === 0 && opts.pull === "never") throw new ImageNotFoundError(image);
  if (found.length > 0) {
    target = found[0]!.target;
    name = found[0]!.name;
  } else {
    const [pulled] = await pull(store, image, { ...opts, platform });
    target = pulled!.descriptor;
    name = pulled!.names[0] ?? image;
  }
  await unpackFor(store, target, platform, { ...(opts.onUnpack && { onUnpack: opts.onUnpack }), ...(opts.signal && { signal: opts.signal }) });
  // Now stored and unpacked; a pulled image is found by the name it was pulled as.
  const ready = await storedRunImage(store, found.length > 0 ? image : name, platform);
  if (ready === undefined) throw new BerthError("INTERNAL", `${image}: unpacked, but its snapshots are not in the store`, { hint: "run the command again" });
  return ready;
}
