import type { Digest } from "../oci/index.js";

/**
 * Something outside the image store that uses an image: a container, in
 * any state. The image layer cannot see containers (`runtime` is above
 * it), so whoever removes images (rmi, prune) asks the runtime for its
 * users and passes them down. Garbage collection keeps what a user uses
 * (its image's config and its snapshots); rmi refuses to delete an image
 * a user holds, as docker does (see ImageInUseError).
 */
export interface ImageUser {
  /** Who uses it, for messages: a container's id. */
  readonly id: string;
  /** docker's image Id of the image it was made from: that image's config digest (absent when its record's cannot be read). */
  readonly imageId?: Digest;
  /** The snapshots its rootfs stacks (ChainIDs, any order; ancestors of one listed are kept anyway). */
  readonly chainIds: readonly Digest[];
  /**
   * `running` (or restarting): even `rmi -f IMAGE-ID` is refused, as docker's
   * "cannot be forced". `stopped` (created or exited): refused without -f.
   * `removing`: removed by the user, its rootfs not yet unmounted; it does
   * not stop rmi, but its snapshots stay until it is gone.
   */
  readonly state: "running" | "stopped" | "removing";
}
