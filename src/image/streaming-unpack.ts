import type { PulledImage, ProgressEvent } from "../client/index.js";
import { parseImageConfig, platformMatches, type Digest, type Platform } from "../oci/index.js";
import type { ImageStore } from "./image-store.js";
import { unpackImage, type UnpackProgress } from "./unpack/index.js";

interface Arrival {
  readonly promise: Promise<void>;
  resolve(): void;
  reject(e: unknown): void;
}

function arrival(): Arrival {
  let resolve!: () => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => undefined); // a layer nobody waited for must not become an unhandled rejection
  return { promise, resolve, reject };
}

/**
 * Unpacks an image while it downloads (docker does the same): once the
 * config is in the store, one unpack starts whose layers each wait for their
 * blob's `blob-done` (or `blob-exists`) event, so extraction overlaps the
 * transfer and the whole image is committed with one durability barrier.
 * Feed it the pull's image list and progress events; `finish()` returns the
 * top chain id; `settle()` after a failed pull stops the waiting layers.
 */
export class StreamingUnpack {
  private image: PulledImage | undefined;
  private readonly arrivals = new Map<Digest, Arrival>();
  private run: Promise<string> | undefined;

  constructor(
    private readonly store: ImageStore,
    private readonly platform: Platform,
    private readonly opts: { onUnpack?: (p: UnpackProgress) => void; signal?: AbortSignal } = {},
  ) {}

  /** The pull's images; the one for the platform (or the only one) is unpacked. */
  readonly plan = (images: readonly PulledImage[]): void => {
    this.image = images.length === 1 ? images[0] : images.find((i) => i.platform && platformMatches(this.platform, i.platform));
    if (this.image) for (const d of [this.image.config, ...this.image.layers]) this.arrivals.set(d.digest, arrival());
  };

  /** A pull progress event: a blob in the store lets its layer go (and the config starts the unpack). */
  readonly onEvent = (e: ProgressEvent): void => {
    if (e.type !== "blob-done" && e.type !== "blob-exists") return;
    this.arrivals.get(e.digest)?.resolve();
    if (this.image && e.digest === this.image.config.digest) this.start();
  };

  /** Every blob is in the store now: let all layers go and return the top chain id (undefined without a plan). */
  async finish(): Promise<string | undefined> {
    if (!this.image) return undefined;
    for (const a of this.arrivals.values()) a.resolve();
    return this.start();
  }

  /** After a failed pull: stop layers still waiting for blobs, and wait for the unpack to end. */
  async settle(reason: unknown = new Error("pull failed")): Promise<void> {
    for (const a of this.arrivals.values()) a.reject(reason);
    await this.run?.catch(() => undefined);
  }

  private start(): Promise<string> {
    const image = this.image!;
    this.run ??= (async () => {
      const diffIds = parseImageConfig(await this.store.content.readBytes(image.config.digest)).rootfs.diff_ids;
      const r = await unpackImage(this.store.content, image.layers, diffIds, await this.store.snapshots(), {
        layerReady: (_i, layer) => this.arrivals.get(layer.digest)?.promise ?? Promise.resolve(),
        ...(this.opts.onUnpack && { onProgress: this.opts.onUnpack }),
        ...(this.opts.signal && { signal: this.opts.signal }),
      });
      return r.chainId;
    })();
    this.run.catch(() => undefined); // surfaced by finish(); a failed pull may never call it
    return this.run;
  }
}
