import type { BlobIngester } from "../../content/index.js";
import { MediaType, type Descriptor } from "../../oci/index.js";
import type { StageState } from "./stage-state.js";

/** Config keys in docker's order, so two builds of one Dockerfile write the same bytes. */
const CONFIG_ORDER = ["Hostname", "Domainname", "User", "ExposedPorts", "Env", "Cmd", "Healthcheck", "ArgsEscaped", "Image", "Volumes", "WorkingDir", "Entrypoint", "OnBuild", "Labels", "StopSignal", "Shell"];

/**
 * Write the image a stage built: its config (execution settings, the diff_ids
 * of the base's layers then the stage's, one history entry per instruction)
 * and an OCI manifest over the same layers, into `ingester`. `created` is
 * the build's time (SOURCE_DATE_EPOCH when the caller sets it). Returns the
 * manifest's descriptor.
 */
export async function writeStageImage(state: StageState, created: string, ingester: BlobIngester): Promise<Descriptor> {
  const c = state.config as Record<string, unknown>;
  const ordered: Record<string, unknown> = {};
  for (const k of CONFIG_ORDER) if (c[k] !== undefined) ordered[k] = c[k];
  for (const k of Object.keys(c).sort()) if (!(k in ordered) && c[k] !== undefined) ordered[k] = c[k];
  const p = state.platform;
  const config = {
    architecture: p.architecture,
    ...(p.variant && { variant: p.variant }),
    os: p.os,
    created,
    ...(state.author !== undefined && { author: state.author }),
    config: ordered,
    rootfs: { type: "layers", diff_ids: state.diffIds },
    history: state.history,
  };
  const configInfo = await ingester.putBytes(Buffer.from(JSON.stringify(config)));
  const manifest = {
    schemaVersion: 2,
    mediaType: MediaType.OciManifest,
    config: { mediaType: MediaType.OciConfig, digest: configInfo.digest, size: configInfo.size },
    layers: state.layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.size })),
  };
  const info = await ingester.putBytes(Buffer.from(JSON.stringify(manifest)));
  return { mediaType: MediaType.OciManifest, digest: info.digest, size: info.size };
}
