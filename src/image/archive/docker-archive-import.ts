import {
  MediaType, configPlatform, parseImageConfig, type Descriptor, type Digest, type ImageConfig,
} from "../../oci/index.js";
import type { ArchiveEntries } from "./archive-entries.js";
import { parseDockerManifestJson, type DockerArchiveItem } from "./docker-manifest-json.js";
import { ArchiveEntryError, UnsupportedCompressionError } from "./errors.js";
import type { ArchiveStore, ImportedImage } from "./imported-image.js";
import { DOCKER_LAYER_UNCOMPRESSED, sniffCompression } from "./layer-compression.js";
import { measureUncompressed } from "./uncompressed-layer.js";

const CONFIG_LIMIT = 8 << 20;

/**
 * The images of a docker-archive whose files `entries` has already
 * committed. For each manifest.json item, the config is parsed and every
 * layer's diffID checked against its rootfs.diff_ids (a gzip layer is read
 * through gunzip for that); then a Docker schema2 manifest is stored that
 * references config and layers by the digests of their bytes as they are in
 * the archive: an uncompressed layer (what docker save writes) keeps its bytes
 * and gets media type `application/vnd.docker.image.rootfs.diff.tar` (so its
 * digest is its diffID), a gzip one `…diff.tar.gzip`. Items with the same
 * manifest merge their names. Throws MissingEntryError for a path manifest.json
 * names that the archive lacks, ArchiveEntryError for bad JSON, configs,
 * diffIDs; UnsupportedCompressionError for other compressions.
 */
export async function importDockerArchive(manifestJson: Uint8Array, entries: ArchiveEntries, store: ArchiveStore): Promise<ImportedImage[]> {
  const items = parseDockerManifestJson(manifestJson);
  const byDigest = new Map<string, { names: string[]; manifest: Descriptor }>();
  for (const [i, item] of items.entries()) {
    const manifest = await importItem(item, i, entries, store);
    const image = byDigest.get(manifest.digest) ?? { names: [], manifest };
    byDigest.set(manifest.digest, image);
    for (const t of item.repoTags) if (!image.names.includes(t)) image.names.push(t);
  }
  return [...byDigest.values()];
}

async function importItem(item: DockerArchiveItem, i: number, entries: ArchiveEntries, store: ArchiveStore): Promise<Descriptor> {
  const cfgFile = entries.resolve(item.config, `manifest.json[${i}].Config`);
  if (cfgFile.size > CONFIG_LIMIT) throw new ArchiveEntryError(item.config, `an image config of ${cfgFile.size} bytes is over the ${CONFIG_LIMIT}-byte limit`);
  let config: ImageConfig;
  try {
    config = parseImageConfig(await store.readBytes(cfgFile.digest));
  } catch (e) {
    throw new ArchiveEntryError(item.config, `image config does not parse: ${(e as Error).message}`, { cause: e });
  }
  const diffIds = config.rootfs.diff_ids;
  if (diffIds.length !== item.layers.length) {
    throw new ArchiveEntryError(item.config, `image config lists ${diffIds.length} diff_ids, but manifest.json[${i}].Layers has ${item.layers.length} layers`);
  }
  const layers: Descriptor[] = [];
  for (const [j, path] of item.layers.entries()) {
    layers.push(await importLayer(path, `manifest.json[${i}].Layers[${j}]`, diffIds[j]!, entries, store));
  }
  const bytes = Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: MediaType.DockerManifest,
    config: { mediaType: MediaType.DockerConfig, size: cfgFile.size, digest: cfgFile.digest },
    layers,
  }));
  const info = await store.putBytes(bytes);
  const p = configPlatform(config);
  const platform = { os: p.os, architecture: p.architecture, ...(p.variant !== undefined && { variant: p.variant }) };
  return { mediaType: MediaType.DockerManifest, digest: info.digest, size: info.size, platform };
}

async function importLayer(path: string, field: string, diffId: Digest, entries: ArchiveEntries, store: ArchiveStore): Promise<Descriptor> {
  const file = entries.resolve(path, field);
  const compression = sniffCompression(file.head);
  if (compression !== "none" && compression !== "gzip") {
    throw new UnsupportedCompressionError(`archive entry ${JSON.stringify(path)}`, compression, {
      hint: "docker-archive layers are plain tars (docker save) or gzip; convert the image with skopeo copy",
    });
  }
  const actual = compression === "none" ? file.digest : (await measureUncompressed(store, file.digest, compression, path)).diffId;
  if (actual !== diffId) {
    throw new ArchiveEntryError(path, `the layer's diffID is ${actual}, but the image config's rootfs.diff_ids says ${diffId}`, {
      code: "FAILED_PRECONDITION",
      hint: "the layer does not belong to this config; the archive is corrupt or was altered",
    });
  }
  const mediaType = compression === "none" ? DOCKER_LAYER_UNCOMPRESSED : MediaType.DockerLayerGzip;
  return { mediaType, size: file.size, digest: file.digest };
}
