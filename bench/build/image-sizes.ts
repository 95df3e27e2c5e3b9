import { createReadStream } from "node:fs";
import { mkdir, readFile, rm } from "node:fs/promises";
import { join, resolve, sep } from "node:path";
import type { Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import { mustRun, type Cli } from "./build-tools.js";
import { gzippedSize, scanLayer, type ForbiddenFile } from "./layer-scan.js";

/** How big a final image is, counted the same way on both sides, and whether the forbidden file is in it. */
export interface ImageSizes {
  readonly layers: number;
  /** Sum of the gzip layer blobs: berth's as stored; docker's gzipped here at level 6, as `docker push` would. */
  readonly compressedBytes: number;
  /** Sum of regular-file bytes over the layers (what the image takes unpacked). */
  readonly fileBytes: number;
  /** docker's own `docker image inspect .Size`; undefined for berth. */
  readonly reportedBytes?: number;
  /** `layer N: path` of each copy of the forbidden file found. */
  readonly forbidden: readonly string[];
}

const within = (root: string, p: string): string => {
  const full = resolve(root, p);
  if (!full.startsWith(root + sep)) throw new Error(`${p}: points outside ${root}`);
  return full;
};

const isDigest = (d: unknown): d is string => typeof d === "string" && /^sha256:[a-f0-9]{64}$/.test(d);

interface LayerDescriptor { readonly mediaType?: unknown; readonly digest?: unknown; readonly size?: unknown }

/**
 * Untimed: `berth push IMAGE oci:DIR` (berth's stored blobs, as a registry would get them), then
 * every layer gunzipped and scanned. Removes DIR after.
 */
export async function berthImageSizes(berth: Cli, image: string, dir: string, forbidden?: ForbiddenFile): Promise<ImageSizes> {
  await rm(dir, { recursive: true, force: true });
  try {
    await berth(["push", "--quiet", image, `oci:${dir}:sizes`]);
    const index = JSON.parse(await readFile(join(dir, "index.json"), "utf8")) as { manifests?: { digest?: unknown }[] };
    const manifestDigest = index.manifests?.[0]?.digest;
    if (!isDigest(manifestDigest)) throw new Error(`${dir}/index.json: no manifest digest`);
    const blob = (d: string): string => join(dir, "blobs", "sha256", d.slice("sha256:".length));
    const manifest = JSON.parse(await readFile(blob(manifestDigest), "utf8")) as { layers?: LayerDescriptor[] };
    const layers = manifest.layers ?? [];
    let compressedBytes = 0;
    let fileBytes = 0;
    const found: string[] = [];
    for (const [i, l] of layers.entries()) {
      if (!isDigest(l.digest) || typeof l.size !== "number") throw new Error(`${image}: layer ${i} has no digest or size`);
      const media = String(l.mediaType);
      let stream: Readable = createReadStream(blob(l.digest));
      if (media.endsWith("+gzip") || media.endsWith(".gzip")) stream = stream.pipe(createGunzip());
      else if (!media.endsWith(".tar")) throw new Error(`${image}: layer ${i} is ${media}, which this bench cannot read`);
      const scan = await scanLayer(stream, forbidden);
      compressedBytes += l.size;
      fileBytes += scan.fileBytes;
      found.push(...scan.forbidden.map((p) => `layer ${i + 1}: ${p}`));
    }
    return { layers: layers.length, compressedBytes, fileBytes, forbidden: found };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Untimed: `docker image inspect .Size`, then `docker save` unpacked into DIR and each layer
 * tar listed by its manifest.json scanned and gzipped. Removes DIR after.
 */
export async function dockerImageSizes(docker: Cli, image: string, dir: string, forbidden?: ForbiddenFile): Promise<ImageSizes> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  try {
    const reported = Number((await docker(["image", "inspect", "--format", "{{.Size}}", image])).stdout.trim());
    const archive = join(dir, "save.tar");
    await docker(["save", "-o", archive, image]);
    const tree = join(dir, "x");
    await mkdir(tree);
    await mustRun("tar", ["-xf", archive, "-C", tree, "--no-same-owner"]);
    await rm(archive);
    const manifest = JSON.parse(await readFile(join(tree, "manifest.json"), "utf8")) as { Layers?: unknown }[];
    const layerPaths = manifest[0]?.Layers;
    if (!Array.isArray(layerPaths)) throw new Error(`docker save ${image}: manifest.json has no Layers`);
    let compressedBytes = 0;
    let fileBytes = 0;
    const found: string[] = [];
    for (const [i, p] of layerPaths.entries()) {
      const file = within(tree, String(p));
      const scan = await scanLayer(createReadStream(file), forbidden);
      compressedBytes += await gzippedSize(createReadStream(file));
      fileBytes += scan.fileBytes;
      found.push(...scan.forbidden.map((f) => `layer ${i + 1}: ${f}`));
    }
    return { layers: layerPaths.length, compressedBytes, fileBytes, reportedBytes: Number.isFinite(reported) ? reported : undefined, forbidden: found };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
