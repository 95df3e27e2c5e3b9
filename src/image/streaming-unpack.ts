import type { PulledImage, ProgressEvent } from "../client/index.js";
import { parseImageConfig, platformMatches, type Digest, type Platform } from "../oci/index.js";
import type { ImageStore } from "./image-store.js";
import { unpackImage, type UnpackProgress } from "./unpack/index.js";

/**
 * Unpacks an image while it downloads: as soon as the config and the base
 * layers are in the store, the longest downloaded prefix of layers is
 * unpacked, so extraction overlaps the transfer of the layers above (docker
 * does the same). Feed it the pull's image list and progress events; then
 * `finish()` unpacks whatever is left and returns the top chain id.
 */
export class StreamingUnpack {
  private image: PulledImage | undefined;
  private readonly done = new Set<Digest>();
  private diffIds: readonly Digest[] | undefined;
  private unpackedPrefix = 0;
  private chain: Promise<void> = Promise.resolve();
  private failure: unknown;

  constructor(
    private readonly store: ImageStore,
    private readonly platform: Platform,
    private readonly opts: { onUnpack?: (p: UnpackProgress) => void; signal?: AbortSignal } = {},
  ) {}

  /** The pull's images; the one for the platform (or the only one) is unpacked. */
  readonly plan = (images: readonly PulledImage[]): void => {
    this.image = images.length === 1 ? images[0] : images.find((i) => i.platform && platformMatches(this.platform, i.platform));
  };

  /** A pull progress event; blob completions may start an unpack. */
  readonly onEvent = (e: ProgressEvent): void => {
    if (e.type === "blob-done" || e.type === "blob-exists") {
      this.done.add(e.digest);
      this.advance();
    }
  };

  /** Unpack what is left (every blob is in the store now); returns the top chain id, or undefined without a plan. */
  async finish(): Promise<string | undefined> {
    await this.chain;
    if (this.failure !== undefined) throw this.failure;
    const image = this.image;
    if (!image) return undefined;
    const diffIds = this.diffIds ?? (await this.readDiffIds(image));
    const r = await unpackImage(this.store.content, image.layers, diffIds, await this.store.snapshots(), this.unpackOptions());
    return r.chainId;
  }

  /** Wait for background work, ignoring its failure (the pull failed anyway). */
  async settle(): Promise<void> {
    await this.chain.catch(() => undefined);
  }

  private advance(): void {
    const image = this.image;
    if (!image || this.failure !== undefined) return;
    if (!this.done.has(image.config.digest)) return;
    let k = this.unpackedPrefix;
    while (k < image.layers.length && this.done.has(image.layers[k]!.digest)) k++;
    if (k === this.unpackedPrefix) return;
    this.unpackedPrefix = k;
    this.chain = this.chain.then(async () => {
      if (this.failure !== undefined) return;
      try {
        this.diffIds ??= await this.readDiffIds(image);
        await unpackImage(this.store.content, image.layers.slice(0, k), this.diffIds.slice(0, k), await this.store.snapshots(), this.unpackOptions());
      } catch (e) {
        this.failure = e;
      }
    });
  }

  private async readDiffIds(image: PulledImage): Promise<readonly Digest[]> {
    return parseImageConfig(await this.store.content.readBytes(image.config.digest)).rootfs.diff_ids;
  }

  private unpackOptions(): { onProgress?: (p: UnpackProgress) => void; signal?: AbortSignal } {
    return { ...(this.opts.onUnpack && { onProgress: this.opts.onUnpack }), ...(this.opts.signal && { signal: this.opts.signal }) };
  }
}
