import { checkContainerPath, type MountRequest } from "./mount-request.js";

/**
 * Anonymous volume requests for the image's `VOLUME` paths (its config's
 * `Volumes`) that the user's own mounts do not already cover, as docker
 * adds them: each gets a fresh volume, filled from the image by copy-up.
 * Throws InvalidArgumentError naming the path when the image declares one
 * that is relative, holds `..`, or is `/`: an image is input, not trusted.
 */
export function imageVolumeRequests(volumes: Readonly<Record<string, object>> | undefined, user: readonly MountRequest[]): MountRequest[] {
  const taken = new Set(user.map((r) => r.target));
  const out: MountRequest[] = [];
  for (const path of Object.keys(volumes ?? {}).sort()) {
    const origin = `image VOLUME ${JSON.stringify(path)}`;
    const target = checkContainerPath(path, origin);
    if (taken.has(target)) continue;
    taken.add(target);
    out.push({ type: "volume", target, readOnly: false, noCopy: false, labels: {}, origin });
  }
  return out;
}
