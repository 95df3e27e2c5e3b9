import { constants, createReadStream } from "node:fs";
import { open, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { digestAlgorithm, digestEncoded, type Descriptor } from "../../oci/index.js";
import { ArchiveEntryError, ArchiveFormatError } from "./errors.js";
import type { GraphSource } from "./image-graph.js";
import type { ArchiveStore, ImportedImage } from "./imported-image.js";
import { ingestEntry } from "./ingest-entry.js";
import { blobPath, checkOciLayoutFile, importOciLayout, type OciLayoutImportOptions } from "./oci-layout-import.js";

const INDEX_LIMIT = 4 << 20;

/**
 * Import images from the OCI image layout directory `dir` (the `oci:DIR[:tag]`
 * transport) into `store`: all of index.json's entries, or with `opts.ref`
 * only those named so. Unlike a tar, a directory is read by the graph: only
 * the blobs the chosen images reach are read, each streamed into an ingest
 * and committed only if its bytes match the digest its path names (a blob
 * the store already has is not read again). Blob files are opened without
 * following symlinks. Throws ArchiveFormatError when `dir` is not a layout,
 * and what importOciLayout throws.
 */
export async function readOciLayoutDir(dir: string, store: ArchiveStore, opts: OciLayoutImportOptions = {}): Promise<ImportedImage[]> {
  const layout = await readSmallFile(dir, "oci-layout");
  checkOciLayoutFile(layout);
  const index = await readSmallFile(dir, "index.json");
  const sizes = new Map<string, Promise<number | undefined>>();
  const source: GraphSource = {
    fetch: (d) => {
      let size = sizes.get(d.digest);
      if (size === undefined) sizes.set(d.digest, (size = fetchBlob(dir, d, store)));
      return size;
    },
    read: (d) => store.readBytes(d.digest),
  };
  return importOciLayout(index, source, opts);
}

async function fetchBlob(dir: string, d: Descriptor, store: ArchiveStore): Promise<number | undefined> {
  const stored = await store.info(d.digest);
  if (stored !== undefined) return stored.size;
  const path = join(dir, "blobs", digestAlgorithm(d.digest), digestEncoded(d.digest));
  let fh;
  try {
    fh = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return undefined;
    if (code === "ELOOP") throw new ArchiveEntryError(blobPath(d), "is a symlink; a layout's blobs must be regular files");
    throw e;
  }
  const s = await fh.stat();
  if (!s.isFile()) {
    await fh.close();
    throw new ArchiveEntryError(blobPath(d), "is not a regular file");
  }
  const body = createReadStream("", { fd: fh, highWaterMark: 1 << 20 });
  return (await ingestEntry(store, blobPath(d), body, { digest: d.digest, size: s.size })).size;
}

async function readSmallFile(dir: string, name: string): Promise<Buffer> {
  const path = join(dir, name);
  const s = await stat(path).catch((e: NodeJS.ErrnoException) => {
    if (e.code === "ENOENT") {
      throw new ArchiveFormatError(`${dir} is not an OCI image layout: it has no ${name}`, {
        hint: "an OCI layout directory holds oci-layout, index.json and blobs/ (skopeo copy … oci:DIR:TAG makes one)",
      });
    }
    throw e;
  });
  if (!s.isFile() || s.size > INDEX_LIMIT) throw new ArchiveEntryError(path, `must be a regular file of at most ${INDEX_LIMIT} bytes`);
  return readFile(path);
}
