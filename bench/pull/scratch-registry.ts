import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { startDistribution } from "../../test/support/distribution.js";
import type { Cleanup } from "../harness/cleanup.js";
import { HttpClient } from "../harness/http-client.js";
import type { BenchImage } from "./bench-image.js";

/** An empty Debian docker-registry for one attempt; `dispose()` stops it by PID and deletes its storage, once. */
export interface ScratchRegistry {
  /** `127.0.0.1:<port>`, the registry part of a reference. */
  readonly host: string;
  readonly url: string;
  dispose(): Promise<void>;
}

/**
 * Start an empty registry in `<parent>/<name>` (which must not exist yet), so every push or copy
 * finds no blob there already and cannot skip or mount one. Its dispose is also put on
 * `cleanup`, so an error or Ctrl-C mid-attempt does not leave it running.
 */
export async function startScratchRegistry(parent: string, name: string, cleanup: Cleanup): Promise<ScratchRegistry> {
  const dir = join(parent, name);
  await mkdir(dir);
  try {
    const reg = await startDistribution({ dir });
    let disposed: Promise<void> | undefined;
    const dispose = (): Promise<void> => (disposed ??= (async () => {
      await reg.stop();
      await rm(dir, { recursive: true, force: true, maxRetries: 3 });
    })());
    cleanup.defer(`stop scratch registry ${reg.host} (pid ${reg.pid})`, dispose);
    return { host: reg.host, url: reg.url, dispose };
  } catch (err) {
    await rm(dir, { recursive: true, force: true, maxRetries: 3 });
    throw err;
  }
}

const MANIFEST_ACCEPT = [
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.v2+json",
].join(", ");

interface ManifestShape {
  readonly config: { readonly digest: string };
  readonly layers: readonly { readonly digest: string; readonly size: number }[];
}

const isDescriptorLike = (v: unknown): v is { digest: string; size: number } =>
  typeof v === "object" && v !== null && typeof (v as { digest?: unknown }).digest === "string" &&
  typeof (v as { size?: unknown }).size === "number";

function parseManifest(body: Buffer, where: string): ManifestShape {
  const m: unknown = JSON.parse(body.toString("utf8"));
  const shape = m as { config?: unknown; layers?: unknown };
  if (typeof m !== "object" || m === null || !isDescriptorLike(shape.config) || !Array.isArray(shape.layers) ||
    !shape.layers.every(isDescriptorLike)) {
    throw new Error(`${where}: not an image manifest with config and layers: ${body.toString("utf8").slice(0, 200)}`);
  }
  return { config: shape.config, layers: shape.layers };
}

/**
 * Check that `<url>/<repo>:<tag>` is the bench image, blob for blob: a manifest whose config and
 * layer digests are the image's (so no tool recompressed or dropped a layer), and every blob
 * there with its size. Throws naming the first difference.
 */
export async function checkRegistryImage(url: string, repo: string, tag: string, image: BenchImage): Promise<void> {
  const client = new HttpClient(url, { maxSockets: 4 });
  try {
    const where = `${url}/${repo}:${tag}`;
    const res = await client.request("GET", `/v2/${repo}/manifests/${tag}`, { expect: [200], read: "keep", headers: { accept: MANIFEST_ACCEPT } });
    const m = parseManifest(res.body, where);
    const want = image.layers.map((l) => l.digest).join(",");
    const got = m.layers.map((l) => l.digest).join(",");
    if (got !== want) throw new Error(`${where}: layers ${got}, expected ${want}`);
    if (m.config.digest !== image.config.digest) throw new Error(`${where}: config ${m.config.digest}, expected ${image.config.digest}`);
    const blobs = [{ digest: image.config.digest, size: image.config.size }, ...image.layers];
    for (const b of blobs) {
      const head = await client.request("HEAD", `/v2/${repo}/blobs/${b.digest}`, { expect: [200] });
      const size = Number(head.headers["content-length"]);
      if (size !== b.size) throw new Error(`${where}: blob ${b.digest} is ${size} bytes, expected ${b.size}`);
    }
  } finally {
    client.close();
  }
}
