import { createHash, randomBytes } from "node:crypto";
import type { HttpClient } from "../harness/http-client.js";

/** The distribution-spec v2 operations the registry bench times, done the same way on both servers. */

export const sha256Digest = (data: Buffer): string => `sha256:${createHash("sha256").update(data).digest("hex")}`;

const OCTET = { "content-type": "application/octet-stream" };
const BIG_IDLE_MS = 120_000;

/** POST /v2/<repo>/blobs/uploads/ and return the upload URL from Location. */
async function startUpload(client: HttpClient, repo: string, signal?: AbortSignal): Promise<URL> {
  const res = await client.request("POST", `/v2/${repo}/blobs/uploads/`, { expect: [202], ...(signal && { signal }) });
  const loc = res.headers.location;
  if (!loc) throw new Error(`POST /v2/${repo}/blobs/uploads/: 202 without a Location header`);
  return client.resolve(loc);
}

const withDigest = (upload: URL, digest: string): URL => {
  const u = new URL(upload.href);
  u.searchParams.set("digest", digest);
  return u;
};

/** Push `blob` as POST then one PUT ?digest= carrying the whole body. */
export async function pushMonolithic(client: HttpClient, repo: string, blob: Buffer, digest: string, signal?: AbortSignal): Promise<void> {
  const upload = await startUpload(client, repo, signal);
  await client.request("PUT", withDigest(upload, digest), {
    body: blob, headers: OCTET, expect: [201], idleTimeoutMs: BIG_IDLE_MS, ...(signal && { signal }),
  });
}

/** Push `blob` as POST, one PATCH per `chunkBytes` with Content-Range (inclusive end), then PUT ?digest= with no body. */
export async function pushChunked(client: HttpClient, repo: string, blob: Buffer, digest: string, chunkBytes: number): Promise<void> {
  let upload = await startUpload(client, repo);
  for (let start = 0; start < blob.length; start += chunkBytes) {
    const chunk = blob.subarray(start, Math.min(start + chunkBytes, blob.length));
    const res = await client.request("PATCH", upload, {
      body: chunk,
      headers: { ...OCTET, "content-range": `${start}-${start + chunk.length - 1}` },
      expect: [202],
      idleTimeoutMs: BIG_IDLE_MS,
    });
    const loc = res.headers.location;
    if (!loc) throw new Error(`PATCH ${upload.pathname}: 202 without a Location header`);
    upload = client.resolve(loc);
  }
  await client.request("PUT", withDigest(upload, digest), { expect: [201] });
}

/** GET the blob, count and discard its bytes; throws when the count differs from `size`. */
export async function pullBlob(client: HttpClient, repo: string, digest: string, size: number): Promise<void> {
  const res = await client.request("GET", `/v2/${repo}/blobs/${digest}`, { expect: [200], read: "discard", idleTimeoutMs: BIG_IDLE_MS });
  if (res.bytes !== size) throw new Error(`GET blob ${digest}: got ${res.bytes} bytes, expected ${size}`);
}

export const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";

/** What a docker/containerd client sends: OCI and Docker manifest and index types. */
export const MANIFEST_ACCEPT = [
  OCI_MANIFEST,
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.docker.distribution.manifest.v2+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
].join(", ");

/** A small image: config blob, one 4 KiB layer, an OCI manifest. Build once, push to both servers. */
export interface SmallImage {
  readonly config: Buffer;
  readonly layer: Buffer;
  readonly manifest: Buffer;
}

export function makeSmallImage(): SmallImage {
  const layer = randomBytes(4096);
  const config = Buffer.from(JSON.stringify({
    architecture: "amd64", os: "linux",
    rootfs: { type: "layers", diff_ids: [sha256Digest(layer)] },
    config: {},
  }));
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: sha256Digest(config), size: config.length },
    layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: sha256Digest(layer), size: layer.length }],
  }));
  return { config, layer, manifest };
}

/** Push the image's blobs and its manifest under `tag`. */
export async function pushSmallImage(client: HttpClient, repo: string, tag: string, img: SmallImage): Promise<void> {
  await pushMonolithic(client, repo, img.config, sha256Digest(img.config));
  await pushMonolithic(client, repo, img.layer, sha256Digest(img.layer));
  await client.request("PUT", `/v2/${repo}/manifests/${tag}`, {
    body: img.manifest, headers: { "content-type": OCI_MANIFEST }, expect: [201],
  });
}
