import type { BlobProvider } from "../content/index.js";
import {
  BerthError, MANIFEST_MEDIA_TYPES, formatPlatform, parseManifest, selectPlatformEntry,
  type Descriptor, type ImageIndex, type Platform,
} from "../oci/index.js";
import type { ImageRecord } from "./image-store.js";
import { openImage } from "./image-view.js";

/** What of a named image to save or push: the whole target, or one platform's manifest out of its index. */
export interface PlatformImage {
  /** The name's target when whole, else the chosen platform's manifest (as its index lists it). */
  readonly target: Descriptor;
  /** The platform chosen, when one manifest was taken out of an index. */
  readonly platform?: Platform;
  /** Platforms of the index left out because the store lacks them (empty when whole or chosen by `platform`). */
  readonly leftOut: readonly Platform[];
}

/**
 * What `save --format oci` and `push` send of `record`. With `platform`: that
 * platform's manifest out of an index (throws PlatformNotFoundError when the
 * index has none, NOT_FOUND when the store lacks it). Without: the whole
 * target when the store holds every entry of its index (or it is no index),
 * else the manifest of the platform the name stands for (record.platform,
 * else this machine's when stored, else the first stored; see openImage), with
 * the platforms left out. A single manifest rather than an index with entries
 * missing: such an index is what neither berth's load nor skopeo --all reads.
 */
export async function choosePlatformImage(content: BlobProvider, record: ImageRecord, platform?: Platform): Promise<PlatformImage> {
  const bytes = await content.readBytes(record.target.digest);
  const parsed = parseManifest(bytes, record.target.mediaType);
  if (!parsed.isIndex) return { target: record.target, leftOut: [] };
  const entries = (parsed.manifest as ImageIndex).manifests.filter((d) => MANIFEST_MEDIA_TYPES.includes(d.mediaType));
  if (platform) {
    const entry = selectPlatformEntry(entries, platform, `${record.name} (${record.target.digest})`);
    if ((await content.info(entry.digest)) === undefined) {
      throw new BerthError("NOT_FOUND", `image ${record.name}: platform ${formatPlatform(platform)} (${entry.digest}) is not stored`, {
        hint: `pull it: berth pull --platform ${formatPlatform(platform)} ${record.name}`,
      });
    }
    return { target: entry, platform: entry.platform ?? platform, leftOut: [] };
  }
  const missing: Descriptor[] = [];
  for (const d of entries) if ((await content.info(d.digest)) === undefined) missing.push(d);
  if (missing.length === 0) return { target: record.target, leftOut: [] };
  const chosen = (await openImage(content, record.target, record.platform)).descriptor;
  return {
    target: chosen,
    ...(chosen.platform && { platform: chosen.platform }),
    leftOut: missing.flatMap((d) => (d.platform && d.platform.os !== "unknown" ? [d.platform] : [])),
  };
}
