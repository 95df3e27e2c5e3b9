import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Writable } from "node:stream";
import { parseManifest, type Descriptor, type ImageIndex } from "../../oci/index.js";
import type { BlobProvider } from "../../content/index.js";
import type { ArchiveWriteOptions } from "./archive-file.js";
import { writeDirectory } from "./dir-writer.js";
import { ArchiveEntryError, ArchiveOutputError, isSystemError } from "./errors.js";
import type { ImageToExport } from "./imported-image.js";
import { planOciLayout } from "./oci-layout-plan.js";
import { writeTar } from "./tar-writer.js";

/**
 * Write `images` into `out` as a tar of an OCI image layout (what
 * `skopeo copy … oci-archive:FILE` writes and `docker load` since 25 reads):
 * every blob as stored, indexes with all their platforms, one index.json
 * entry per name (see planOciLayout). Deterministic like writeTar. Throws
 * MissingBlobError when a blob an image reaches is not stored.
 */
export async function exportOciLayout(store: BlobProvider, images: readonly ImageToExport[], out: Writable, opts: ArchiveWriteOptions = {}): Promise<void> {
  const plan = await planOciLayout(store, images);
  await writeTar([...plan.blobs, plan.indexJson, plan.ociLayout], out, opts);
}

/**
 * Write `images` into the OCI layout directory `dir` (the `oci:DIR[:tag]`
 * transport), created when missing. A layout already there keeps its other
 * entries; an entry whose ref.name is reused is replaced, as skopeo does.
 * Blobs already present (same path and size) are not rewritten. oci-layout
 * and blobs are written first and index.json last, each atomically, so a
 * crash never leaves an index.json naming a missing blob. An index.json
 * that is there but does not parse is refused rather than overwritten.
 */
export async function writeOciLayoutDir(dir: string, store: BlobProvider, images: readonly ImageToExport[], opts: { signal?: AbortSignal } = {}): Promise<void> {
  const plan = await planOciLayout(store, images, await existingEntries(dir));
  const blobPaths = new Set(plan.blobs.map((b) => b.path));
  await writeDirectory(dir, [plan.ociLayout, ...plan.blobs, plan.indexJson], { reuse: (p) => blobPaths.has(p), ...opts });
}

async function existingEntries(dir: string): Promise<readonly Descriptor[]> {
  let bytes: Buffer;
  try {
    bytes = await readFile(join(dir, "index.json"));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw isSystemError(e) ? ArchiveOutputError.fromSystemError(dir, e) : e;
  }
  try {
    const parsed = parseManifest(bytes);
    if (!parsed.isIndex) throw new Error("it is not an image index");
    return (parsed.manifest as ImageIndex).manifests;
  } catch (e) {
    throw new ArchiveEntryError(join(dir, "index.json"), `exists but is not an OCI image index: ${(e as Error).message}`, {
      cause: e, code: "FAILED_PRECONDITION", hint: "fix or remove it, or write to another directory",
    });
  }
}
