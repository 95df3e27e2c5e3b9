import type { ImageAccounts } from "./internal/read-in-root.js";

/** How many images' accounts {@link ImageAccountsMemo} keeps. */
const MEMO_MAX = 64;

/**
 * The accounts of images whose containers this process has started, by their
 * layers. A new container's rootfs is its image's layers and an empty
 * writable layer, and layers never change (a snapshot is named by its
 * content): the accounts read through one container's mount hold for the
 * next container of the image, whose start can then write its runtime spec
 * while its own mount is still being made.
 */
export class ImageAccountsMemo {
  private readonly byLayers = new Map<string, ImageAccounts>();

  get(lowerDirs: readonly string[]): ImageAccounts | undefined {
    return this.byLayers.get(JSON.stringify(lowerDirs));
  }

  set(lowerDirs: readonly string[], accounts: ImageAccounts): void {
    const key = JSON.stringify(lowerDirs);
    this.byLayers.delete(key);
    this.byLayers.set(key, accounts);
    if (this.byLayers.size > MEMO_MAX) this.byLayers.delete(this.byLayers.keys().next().value!);
  }
}
