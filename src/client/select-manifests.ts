import {
  MANIFEST_MEDIA_TYPES, isManifestMediaType, selectPlatformEntry, type Descriptor, type ImageIndex, type Platform,
} from "../oci/index.js";

/** Which entries of an index to take: those for one platform (the first match), or all. */
export type ManifestSelection =
  | { readonly platform: Platform; readonly allPlatforms?: false }
  | { readonly allPlatforms: true };

/**
 * The entries of `index` to pull or copy: with `allPlatforms`, every entry
 * that is a manifest or an index (entries of unknown media types are left
 * out, as image-index.md allows); else the first image manifest whose
 * platform matches (platformMatches: containerd's rules), in index order.
 * Throws PlatformNotFoundError (NOT_FOUND) naming the platforms the index does have when none matches.
 */
export function selectManifests(index: ImageIndex, what: string, sel: ManifestSelection): Descriptor[] {
  if (sel.allPlatforms === true) return index.manifests.filter((d) => MANIFEST_MEDIA_TYPES.includes(d.mediaType));
  return [selectPlatformEntry(index.manifests, sel.platform, what, (d) => isManifestMediaType(d.mediaType))];
}
