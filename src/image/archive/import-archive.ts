import { createReadStream } from "node:fs";
import { open } from "node:fs/promises";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { BerthError } from "../../oci/index.js";
import { ArchiveEntries } from "./archive-entries.js";
import { importDockerArchive } from "./docker-archive-import.js";
import { ArchiveFormatError, MissingEntryError } from "./errors.js";
import type { GraphSource } from "./image-graph.js";
import type { ArchiveStore, ImportedImage } from "./imported-image.js";
import { decompressor, sniffCompression, SNIFF_BYTES } from "./layer-compression.js";
import { checkOciLayoutFile, importOciLayout } from "./oci-layout-import.js";

/** Options for {@link importArchive}. */
export interface ImportArchiveOptions {
  /** Import only the image with this name (an OCI ref.name or containerd name, or a docker RepoTag as written); default all. */
  readonly ref?: string;
  /** More tar entries than this are refused; default 100 000. */
  readonly maxEntries?: number;
  readonly signal?: AbortSignal;
}

/**
 * Import the images of an archive into `store`: a docker-archive (docker
 * save, skopeo docker-archive:) or a tar of an OCI image layout (skopeo
 * oci-archive:, docker save since 25, berth save --format oci), plain or
 * gzip-compressed. `source` is a file path or a stream of the archive's bytes
 * (the caller opens stdin for "-"). The archive is read once, front to back,
 * never held in memory: each file goes straight into a content-store ingest,
 * and a `blobs/<alg>/<encoded>` file becomes visible only if its bytes have
 * that digest. Then the format is chosen: an OCI layout (oci-layout +
 * index.json) when everything it names is there, else manifest.json's
 * docker-archive (docker 25+ archives have both). See importOciLayout and
 * importDockerArchive for what is checked.
 *
 * Returns the images, names included, only when all of them are stored.
 * Throws ArchiveEntryError (unsafe path or link, digest mismatch, a document
 * that does not parse), MissingEntryError (a file the archive names is not
 * in it), ArchiveFormatError (not a tar, truncated, neither format). After a
 * failure, blobs already verified may remain in the store, unnamed (load and
 * pull remove them, see ImageStore.withLease); nothing unverified is ever visible.
 */
export async function importArchive(source: string | AsyncIterable<Uint8Array>, store: ArchiveStore, opts: ImportArchiveOptions = {}): Promise<ImportedImage[]> {
  const input = typeof source === "string" ? await openArchiveFile(source) : source;
  const entries = await ArchiveEntries.collect(await decompressed(input), store, opts);
  const layout = entries.metadataFile("oci-layout");
  const index = entries.metadataFile("index.json");
  const manifest = entries.metadataFile("manifest.json");
  if (layout !== undefined && index !== undefined) {
    checkOciLayoutFile(layout);
    // Only what the archive holds counts: a layout is complete or it is not.
    const blobs: GraphSource = {
      fetch: async (d) => entries.blob(d.digest)?.size,
      read: (d) => store.readBytes(d.digest),
    };
    try {
      return await importOciLayout(index, blobs, opts);
    } catch (e) {
      // docker 25+ writes both; when the layout part is incomplete the docker part may not be.
      if (manifest === undefined || !(e instanceof MissingEntryError)) throw e;
    }
  }
  if (manifest !== undefined) return filterByRef(await importDockerArchive(manifest, entries, store), opts.ref);
  throw new ArchiveFormatError(
    index !== undefined ? "index.json without oci-layout is not an OCI image layout" : "has neither manifest.json (docker-archive) nor oci-layout and index.json (OCI image layout)",
    { hint: "berth loads what docker save and skopeo copy (docker-archive:, oci-archive:) write" },
  );
}

function filterByRef(images: ImportedImage[], ref: string | undefined): ImportedImage[] {
  if (ref === undefined) return images;
  const picked = images.filter((im) => im.names.includes(ref));
  if (picked.length === 0) {
    throw new MissingEntryError(ref, "the reference", { hint: `the archive names: ${images.flatMap((im) => im.names).join(", ") || "nothing"}` });
  }
  return picked;
}

async function openArchiveFile(path: string): Promise<AsyncIterable<Uint8Array>> {
  try {
    const fh = await open(path, "r");
    if ((await fh.stat()).isDirectory()) {
      await fh.close();
      throw new ArchiveFormatError(`${path} is a directory, not an archive file`, { hint: `for an OCI layout directory: berth pull oci:${path}` });
    }
    return createReadStream("", { fd: fh, highWaterMark: 1 << 20 });
  } catch (e) {
    if (e instanceof ArchiveFormatError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new BerthError(code === "ENOENT" ? "NOT_FOUND" : code === "EACCES" ? "PERMISSION_DENIED" : "INVALID_ARGUMENT",
      `archive ${path}: cannot open: ${(e as Error).message}`, { cause: e });
  }
}

/** `input`, gunzipped (or un-zstd'ed) when its first bytes say it is compressed, as docker load does. */
async function decompressed(input: AsyncIterable<Uint8Array>): Promise<AsyncIterable<Uint8Array>> {
  const it = input[Symbol.asyncIterator]();
  const head: Uint8Array[] = [];
  let n = 0;
  while (n < SNIFF_BYTES) {
    const r = await it.next();
    if (r.done) break;
    head.push(r.value);
    n += r.value.length;
  }
  const rest = Readable.from((async function* () {
    try {
      yield* head;
      for (let r = await it.next(); !r.done; r = await it.next()) yield r.value;
    } finally {
      // Stopped early (a bad entry): close the file now, not when it is collected.
      await it.return?.();
    }
  })());
  const compression = sniffCompression(Buffer.concat(head));
  const d = decompressor(compression, "archive");
  if (d === undefined) return rest;
  pipeline(rest, d).catch((e: unknown) => d.destroy(e instanceof Error ? e : new Error(String(e))));
  return (async function* () {
    try {
      yield* d;
    } catch (e) {
      if (!(e instanceof Error && "code" in e && String(e.code).startsWith("Z_"))) throw e;
      throw new ArchiveFormatError(`the ${compression} stream is corrupt or cut short (${e.message})`, {
        cause: e, hint: "the file is damaged or truncated; save or copy it again",
      });
    }
  })();
}
