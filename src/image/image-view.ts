import type { BlobProvider } from "../content/index.js";
import {
  hostPlatform, parseImageConfig, parseManifest, platformMatches, selectPlatformEntry,
  type Descriptor, type ImageConfig, type ImageIndex, type ImageManifest, type Platform,
} from "../oci/index.js";

/** One runnable image: a single-platform manifest, its config and layers, read from a content store. */
export interface ImageView {
  /** The manifest (of the chosen platform when the target is an index). */
  readonly descriptor: Descriptor;
  readonly manifest: ImageManifest;
  readonly config: ImageConfig;
  readonly configDescriptor: Descriptor;
  /** Layers, base first. */
  readonly layers: readonly Descriptor[];
  /** The index the manifest was chosen from, if the target was one. */
  readonly index?: { readonly descriptor: Descriptor; readonly index: ImageIndex };
}


/**
 * Read `target` (a manifest or an index) from `content` and, for an index,
 * choose the manifest for `platform`; without one, this machine's when
 * stored, else the first stored entry.
 */
export async function openImage(content: BlobProvider, target: Descriptor, platform?: Platform): Promise<ImageView> {
  const bytes = await content.readBytes(target.digest);
  const parsed = parseManifest(bytes, target.mediaType);
  if (parsed.isIndex) {
    const index = parsed.manifest as ImageIndex;
    const chosen = platform ? selectPlatformEntry(index.manifests, platform, target.digest) : await choosePresent(content, index.manifests, target.digest);
    const view = await openImage(content, chosen, platform);
    return { ...view, index: { descriptor: target, index } };
  }
  const manifest = parsed.manifest as ImageManifest;
  const config = parseImageConfig(await content.readBytes(manifest.config.digest));
  return { descriptor: target, manifest, config, configDescriptor: manifest.config, layers: manifest.layers };
}


/**
 * With no platform asked for: this machine's if the store holds it, else the
 * first entry the store holds (an index pulled for one other platform).
 */
async function choosePresent(content: BlobProvider, entries: readonly Descriptor[], what: string): Promise<Descriptor> {
  const present: Descriptor[] = [];
  for (const d of entries) if (d.platform && (await content.info(d.digest))) present.push(d);
  const host = hostPlatform();
  return present.find((d) => platformMatches(host, d.platform!)) ?? present[0] ?? selectPlatformEntry(entries, host, what);
}

/** The image id docker shows: the config digest. */
export const imageId = (view: ImageView): string => view.configDescriptor.digest;
