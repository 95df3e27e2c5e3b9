import { BerthError, type Digest } from "../oci/index.js";
import type { ImageUser } from "./image-user.js";

/** How an rmi collides with a container (docker's conflicts). */
export type ImageInUseConflict =
  /** REF is a name, the image's last one, and a container uses the image: -f removes the name only. */
  | "last-name"
  /** REF is an id and a stopped container uses the image: -f removes its names, the container keeps its layers. */
  | "stopped"
  /** REF is an id and a running container uses the image: refused even with -f. */
  | "running";

/** docker's short form of an id or digest: 12 hex digits. */
const short = (id: string): string => id.replace(/^sha256:/, "").slice(0, 12);

/** `berth rmi REF` would leave a container without its image (docker's "conflict: … is using its referenced image"). */
export class ImageInUseError extends BerthError {
  constructor(readonly ref: string, readonly imageId: Digest, readonly user: ImageUser, readonly conflict: ImageInUseConflict) {
    const c = short(user.id);
    const img = short(imageId);
    const [message, hint] = conflict === "last-name"
      ? [`image ${ref}: cannot remove the last name of image ${img}: container ${c} uses it`,
        `remove the container first (berth rm ${c}), or use -f to remove the name only: the container keeps the image's layers`]
      : conflict === "stopped"
        ? [`image ${ref}: cannot remove image ${img}: stopped container ${c} uses it`,
          `remove the container first (berth rm ${c}), or use -f to remove the image's names: the container keeps its layers`]
        : [`image ${ref}: cannot remove image ${img}: running container ${c} uses it, and -f cannot override that`,
          `stop and remove the container first (berth rm -f ${c})`];
    super("FAILED_PRECONDITION", message, { hint });
  }
}
