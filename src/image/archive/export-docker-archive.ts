import type { Writable } from "node:stream";
import {
  digestEncoded, familiarName, parseReference, type Digest, type Platform, type Reference,
} from "../../oci/index.js";
import type { BlobProvider } from "../../content/index.js";
import type { ArchiveFile, ArchiveWriteOptions } from "./archive-file.js";
import { MissingBlobError, StoredContentError } from "./errors.js";
import type { ImageToExport } from "./imported-image.js";
import { resolveStoredImage, type StoredImage } from "./stored-image.js";
import { blobCompression, measureUncompressed, openUncompressed } from "./uncompressed-layer.js";
import { writeTar } from "./tar-writer.js";

/** Options for {@link exportDockerArchive}. */
export interface DockerArchiveExportOptions extends ArchiveWriteOptions {
  /** The platform to take from an image that is an index (unless the image names its own); without either an index is refused. */
  readonly platform?: Platform;
}

interface ManifestItem {
  Config: string;
  RepoTags: string[];
  Layers: string[];
}

/**
 * Write `images` into `out` as a docker-archive that `docker load` accepts,
 * in the layout docker save used before version 25:
 *
 * ```
 * <config hex>.json          the image config, as stored (its digest is the image ID)
 * <diffID hex>/layer.tar     each layer uncompressed (gzip layers are decompressed; zstd only where Node can)
 * manifest.json              [{"Config":"<hex>.json","RepoTags":["busybox:latest"],"Layers":["<hex>/layer.tar",…]}]
 * repositories               {"busybox":{"latest":"<top layer dir>"}}, for older loaders
 * ```
 *
 * Names are written in docker's familiar form (`busybox:latest`); names
 * without a tag (digest only) are left out, as docker save does. Images with
 * one config share a manifest.json entry; shared layers are written once.
 * Everything is read and checked before the first byte is written: each
 * layer's diffID against its config (so a gzip layer is read twice, once to
 * measure, once to write). Throws PlatformRequiredError for an index without
 * `opts.platform`, MissingBlobError for a blob that is not stored,
 * StoredContentError for a layer that does not match its config.
 */
export async function exportDockerArchive(
  store: BlobProvider, images: readonly ImageToExport[], out: Writable, opts: DockerArchiveExportOptions = {},
): Promise<void> {
  const files = new Map<string, ArchiveFile>();
  const items = new Map<string, ManifestItem>();
  const repositories: Record<string, Record<string, string>> = {};
  for (const image of images) {
    const refs = image.names.map(parseReference).filter((r): r is Reference & { tag: string } => r.tag !== undefined);
    const label = refs[0] === undefined ? image.manifest.digest : familiarName(refs[0]);
    const resolved = await resolveStoredImage(store, image.manifest, label, image.platform ?? opts.platform);
    const configName = `${digestEncoded(resolved.configDesc.digest)}.json`;
    files.set(configName, blobFile(store, configName, resolved.configDesc.digest, resolved.configDesc.size));
    const layers = await layerFiles(store, resolved, label, files);
    const item = items.get(configName) ?? { Config: configName, RepoTags: [], Layers: layers };
    items.set(configName, item);
    for (const ref of refs) {
      const tagged = familiarName({ registry: ref.registry, repository: ref.repository, tag: ref.tag });
      if (!item.RepoTags.includes(tagged)) item.RepoTags.push(tagged);
      const top = layers.at(-1);
      if (top !== undefined) (repositories[familiarName({ registry: ref.registry, repository: ref.repository })] ??= {})[ref.tag] = top.split("/")[0]!;
    }
  }
  addJson(files, "manifest.json", [...items.values()]);
  if (Object.keys(repositories).length > 0) addJson(files, "repositories", repositories);
  await writeTar([...files.values()], out, opts);
}

/** The layer files of one image (added to `files` once each), as manifest.json's Layers lists them. */
async function layerFiles(store: BlobProvider, image: StoredImage, label: string, files: Map<string, ArchiveFile>): Promise<string[]> {
  const paths: string[] = [];
  for (const [i, layer] of image.layers.entries()) {
    const diffId = image.config.rootfs.diff_ids[i]!;
    const path = `${digestEncoded(diffId)}/layer.tar`;
    paths.push(path);
    if (files.has(path)) continue;
    const info = await store.info(layer.digest);
    if (info === undefined) throw new MissingBlobError(layer.digest, `layer ${i} of ${label}`);
    const compression = await blobCompression(store, layer.digest, info.size);
    const subject = `layer ${i} of ${label} (${layer.digest})`;
    const measured = compression === "none"
      ? { diffId: layer.digest, size: info.size }
      : await measureUncompressed(store, layer.digest, compression, subject);
    if (measured.diffId !== diffId) {
      throw new StoredContentError(layer.digest, `${subject} has diffID ${measured.diffId}, but its config says ${diffId}`);
    }
    files.set(path, { path, size: measured.size, content: () => openUncompressed(store, layer.digest, compression, subject) });
  }
  return paths;
}

const blobFile = (store: BlobProvider, path: string, digest: Digest, size: number): ArchiveFile =>
  ({ path, size, content: () => store.readStream(digest) });

function addJson(files: Map<string, ArchiveFile>, path: string, value: unknown): void {
  const bytes = Buffer.from(JSON.stringify(value));
  files.set(path, { path, size: bytes.length, content: bytes });
}
