import type { BlobIngester } from "../content/index.js";
import { MediaType, type Descriptor, type Platform } from "../oci/index.js";
import type { WrittenLayer } from "./layer-writer.js";

/** The runtime settings of the image, already resolved from the spec. */
export interface BaseImageSettings {
  readonly platform: Platform;
  readonly epochSeconds: number;
  readonly user: string;
  readonly env: readonly string[];
  readonly entrypoint?: readonly string[];
  readonly cmd?: readonly string[];
  readonly workdir?: string;
  readonly labels: Readonly<Record<string, string>>;
  /** One `created_by` line per layer, oldest first. */
  readonly history: readonly string[];
}

/**
 * Write the image config and the OCI manifest for `layers` (oldest first)
 * into `ingester` and return the manifest's descriptor. Keys are written in
 * a fixed order and `created` comes from the epoch, never the clock, so the
 * same layers and settings give the same digest.
 */
export async function writeBaseImage(layers: readonly WrittenLayer[], s: BaseImageSettings, ingester: BlobIngester): Promise<Descriptor> {
  const created = new Date(s.epochSeconds * 1000).toISOString();
  const config = {
    created,
    architecture: s.platform.architecture,
    ...(s.platform.variant && { variant: s.platform.variant }),
    os: s.platform.os,
    config: {
      User: s.user,
      Env: s.env,
      ...(s.entrypoint && { Entrypoint: s.entrypoint }),
      ...(s.cmd && { Cmd: s.cmd }),
      ...(s.workdir && { WorkingDir: s.workdir }),
      ...(Object.keys(s.labels).length > 0 && { Labels: Object.fromEntries(Object.entries(s.labels).sort(([a], [b]) => (a < b ? -1 : 1))) }),
    },
    rootfs: { type: "layers", diff_ids: layers.map((l) => l.diffId) },
    history: s.history.map((h) => ({ created, created_by: h })),
  };
  const configBytes = Buffer.from(JSON.stringify(config));
  const configInfo = await ingester.putBytes(configBytes);
  const manifest = {
    schemaVersion: 2,
    mediaType: MediaType.OciManifest,
    config: { mediaType: MediaType.OciConfig, digest: configInfo.digest, size: configInfo.size },
    layers: layers.map((l) => ({ mediaType: l.descriptor.mediaType, digest: l.descriptor.digest, size: l.descriptor.size })),
  };
  const info = await ingester.putBytes(Buffer.from(JSON.stringify(manifest)));
  return { mediaType: MediaType.OciManifest, digest: info.digest, size: info.size };
}
