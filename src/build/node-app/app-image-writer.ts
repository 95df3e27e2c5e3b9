import type { BlobIngester } from "../../content/index.js";
import type { ImageView } from "../../image/index.js";
import { MediaType, type Descriptor } from "../../oci/index.js";
import type { WrittenLayer } from "../layer-writer.js";

/** What the app image sets over its base's config. */
export interface AppImageSettings {
  readonly epochSeconds: number;
  readonly entrypoint: readonly string[];
  readonly cmd: readonly string[];
  readonly workdir: string;
  readonly user: string;
  /** `NAME=value`; replaces the base's variable of the same name, else is appended. */
  readonly env: readonly string[];
  /** Merged over the base's labels. */
  readonly labels: Readonly<Record<string, string>>;
  /** `8080/tcp` form. */
  readonly exposedPorts: readonly string[];
  /** One `created_by` per new layer, oldest first. */
  readonly history: readonly string[];
}

/**
 * Write the config and OCI manifest of `base` with `layers` appended (as
 * go-containerregistry's mutate.AppendLayers): the base's layers, diff_ids
 * and history first, unchanged, so the base's blobs are shared and never
 * pushed twice. Keys in a fixed order and `created` from the epoch: the same
 * inputs give the same digest. Returns the manifest's descriptor.
 */
export async function writeAppImage(base: ImageView, layers: readonly WrittenLayer[], s: AppImageSettings, ingester: BlobIngester): Promise<Descriptor> {
  const created = new Date(s.epochSeconds * 1000).toISOString();
  const b = base.config;
  const labels = { ...(b.config?.Labels ?? {}), ...s.labels };
  const config = {
    created,
    architecture: b.architecture,
    ...(b.variant && { variant: b.variant }),
    os: b.os,
    config: {
      User: s.user,
      ...(s.exposedPorts.length > 0 && { ExposedPorts: Object.fromEntries([...s.exposedPorts].sort().map((p) => [p, {}])) }),
      Env: mergeEnv(b.config?.Env ?? [], s.env),
      Entrypoint: s.entrypoint,
      Cmd: s.cmd,
      WorkingDir: s.workdir,
      ...(Object.keys(labels).length > 0 && { Labels: Object.fromEntries(Object.entries(labels).sort(([x], [y]) => (x < y ? -1 : 1))) }),
    },
    rootfs: { type: "layers", diff_ids: [...b.rootfs.diff_ids, ...layers.map((l) => l.diffId)] },
    history: [...(b.history ?? []), ...s.history.map((h) => ({ created, created_by: h }))],
  };
  const configInfo = await ingester.putBytes(Buffer.from(JSON.stringify(config)));
  const manifest = {
    schemaVersion: 2,
    mediaType: MediaType.OciManifest,
    config: { mediaType: MediaType.OciConfig, digest: configInfo.digest, size: configInfo.size },
    layers: [
      ...base.layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.size })),
      ...layers.map((l) => ({ mediaType: l.descriptor.mediaType, digest: l.descriptor.digest, size: l.descriptor.size })),
    ],
  };
  const info = await ingester.putBytes(Buffer.from(JSON.stringify(manifest)));
  return { mediaType: MediaType.OciManifest, digest: info.digest, size: info.size };
}

/** `base` with each of `over`'s variables replacing the same name in place, new names appended. */
export function mergeEnv(base: readonly string[], over: readonly string[]): string[] {
  const name = (kv: string): string => kv.split("=", 1)[0]!;
  const out = [...base];
  for (const kv of over) {
    const i = out.findIndex((e) => name(e) === name(kv));
    if (i >= 0) out[i] = kv;
    else out.push(kv);
  }
  return out;
}
