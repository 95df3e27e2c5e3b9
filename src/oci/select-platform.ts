import type { Descriptor } from "./descriptor.js";
import { BerthError } from "./errors.js";
import { MANIFEST_MEDIA_TYPES } from "./media-types.js";
import { formatPlatform, platformMatches, type Platform } from "./platform.js";

/** No entry of an index is for the wanted platform. */
export class PlatformNotFoundError extends BerthError {
  constructor(
    readonly what: string,
    readonly platform: Platform,
    readonly offered: readonly string[],
  ) {
    super("NOT_FOUND", `${what}: no image for platform ${formatPlatform(platform)}; the index has ${offered.length > 0 ? offered.join(", ") : "no platforms named"}`, {
      hint: offered.length > 0 ? `choose one of them (--platform ${offered[0]})` : "this index lists no platforms; it may not be an image",
    });
  }
}

/** Platforms an index offers, as `os/arch[/variant]`, attestation entries (`unknown/unknown`) left out. */
export function offeredPlatforms(entries: readonly Descriptor[]): string[] {
  return [...new Set(entries.filter((d) => d.platform !== undefined && d.platform.os !== "unknown").map((d) => formatPlatform(d.platform!)))];
}

/**
 * The first index entry (in index order) for `platform`, by containerd's
 * matching rules, among entries `accept` lets through (default: manifests and
 * indexes, not artifacts). Throws PlatformNotFoundError naming what the index
 * offers. `what` names the index in the error.
 */
export function selectPlatformEntry(
  entries: readonly Descriptor[],
  platform: Platform,
  what: string,
  accept: (d: Descriptor) => boolean = (d) => MANIFEST_MEDIA_TYPES.includes(d.mediaType),
): Descriptor {
  const match = entries.find((d) => accept(d) && d.platform !== undefined && platformMatches(platform, d.platform));
  if (match !== undefined) return match;
  throw new PlatformNotFoundError(what, platform, offeredPlatforms(entries));
}
