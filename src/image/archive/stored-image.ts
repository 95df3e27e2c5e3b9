import {
  MediaType, offeredPlatforms, parseImageConfig, parseManifest, selectPlatformEntry,
  type Descriptor, type ImageConfig, type ImageIndex, type ImageManifest, type Platform,
} from "../../oci/index.js";
import type { BlobProvider } from "../../content/index.js";
import { MissingBlobError, PlatformRequiredError, StoredContentError } from "./errors.js";

/** A single-platform image read from the content store: its manifest and parsed config. */
export interface StoredImage {
  readonly manifest: Descriptor;
  readonly layers: readonly Descriptor[];
  readonly configDesc: Descriptor;
  readonly config: ImageConfig;
}

const MANIFEST_LIMIT = 4 << 20;
const CONFIG_LIMIT = 8 << 20;
const MAX_DEPTH = 4;

/**
 * The image `desc` names in `store`, down to one platform: an index is
 * resolved to its first entry matching `platform` (nested indexes followed a
 * few levels). `label` names the image in errors. Throws MissingBlobError
 * when the manifest or config is not stored, StoredContentError when one
 * does not parse or is not a container image, PlatformRequiredError for an
 * index without `platform`, PlatformNotFoundError when no entry matches it.
 */
export async function resolveStoredImage(store: BlobProvider, desc: Descriptor, label: string, platform?: Platform): Promise<StoredImage> {
  let current = desc;
  for (let depth = 0; depth <= MAX_DEPTH; depth++) {
    const parsed = parseStored(await readSmall(store, current, `manifest of ${label}`, MANIFEST_LIMIT), current, label);
    if (!parsed.isIndex) return imageOf(store, current, parsed.manifest as ImageManifest, label);
    current = pickPlatform((parsed.manifest as ImageIndex).manifests, current, label, platform);
  }
  throw new StoredContentError(desc.digest, `${label}: indexes nested more than ${MAX_DEPTH} deep`);
}

function parseStored(bytes: Uint8Array, desc: Descriptor, label: string): ReturnType<typeof parseManifest> {
  try {
    return parseManifest(bytes, desc.mediaType);
  } catch (e) {
    throw new StoredContentError(desc.digest, `manifest of ${label} does not parse: ${(e as Error).message}`, { cause: e });
  }
}

async function imageOf(store: BlobProvider, desc: Descriptor, m: ImageManifest, label: string): Promise<StoredImage> {
  if (m.config.mediaType !== MediaType.OciConfig && m.config.mediaType !== MediaType.DockerConfig) {
    throw new StoredContentError(desc.digest, `${label} is not a container image (its config is ${m.config.mediaType})`, {
      hint: "only container images can be saved as a docker-archive; save artifacts as an OCI layout",
    });
  }
  let config: ImageConfig;
  try {
    config = parseImageConfig(await readSmall(store, m.config, `config of ${label}`, CONFIG_LIMIT));
  } catch (e) {
    if (e instanceof MissingBlobError || e instanceof StoredContentError) throw e;
    throw new StoredContentError(m.config.digest, `image config of ${label} does not parse: ${(e as Error).message}`, { cause: e });
  }
  if (config.rootfs.diff_ids.length !== m.layers.length) {
    throw new StoredContentError(m.config.digest, `image config of ${label} lists ${config.rootfs.diff_ids.length} diff_ids for ${m.layers.length} layers`);
  }
  return { manifest: desc, layers: m.layers, configDesc: m.config, config };
}

function pickPlatform(children: readonly Descriptor[], index: Descriptor, label: string, platform: Platform | undefined): Descriptor {
  if (platform === undefined) throw new PlatformRequiredError(`${label} (${index.digest})`, offeredPlatforms(children));
  return selectPlatformEntry(children, platform, `${label} (${index.digest})`, () => true);
}

/** A small stored blob, checked against its descriptor's size. */
export async function readSmall(store: BlobProvider, desc: Descriptor, what: string, limit: number): Promise<Buffer> {
  const info = await store.info(desc.digest);
  if (info === undefined) throw new MissingBlobError(desc.digest, what);
  if (info.size !== desc.size) throw new StoredContentError(desc.digest, `${what} is ${info.size} bytes, its descriptor says ${desc.size}`);
  if (info.size > limit) throw new StoredContentError(desc.digest, `${what} is ${info.size} bytes, over the ${limit}-byte limit`);
  return store.readBytes(desc.digest);
}
