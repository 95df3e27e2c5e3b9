import type { Writable } from "node:stream";
import { BerthError, hostPlatform, type Platform } from "../oci/index.js";
import { exportDockerArchive, exportOciLayout, importArchive, writeArchiveFile, type ImageToExport } from "./archive/index.js";
import { findImage } from "./image-names.js";
import type { ImageStore } from "./image-store.js";
import { recordImported, type PullOutcome } from "./pull.js";

export interface SaveOptions {
  /** docker-archive (default: what `docker load` reads) or an OCI layout tar. */
  readonly format?: "docker" | "oci";
  /** For docker-archive: the platform to take from an index (default this machine's). */
  readonly platform?: Platform;
  /** End `out` when the archive is written (default true); false for process.stdout, which is not ours to end. */
  readonly end?: boolean;
  readonly signal?: AbortSignal;
}

/**
 * `berth save REF… > FILE`: write images (with the names given) into one
 * archive on `out`. Throws ImageNotFoundError for a name not stored, and
 * what the archive writers throw; `out` then holds part of an archive.
 */
export async function save(store: ImageStore, refs: readonly string[], out: Writable, opts: SaveOptions = {}): Promise<void> {
  if (refs.length === 0) throw new BerthError("INVALID_ARGUMENT", "save: name at least one image");
  const images: ImageToExport[] = [];
  for (const ref of refs) {
    const [record] = await findImage(store, ref);
    const existing = images.find((i) => i.manifest.digest === record!.target.digest);
    const name = /^[a-f0-9]{4,64}$/.test(ref.replace(/^sha256:/, "")) ? [] : [record!.name];
    if (existing) (existing.names as string[]).push(...name);
    else images.push({ manifest: record!.target, names: name });
  }
  const common = { ...(opts.signal && { signal: opts.signal }), ...(opts.end !== undefined && { end: opts.end }) };
  if (opts.format === "oci") await exportOciLayout(store.content, images, out, common);
  else await exportDockerArchive(store.content, images, out, { ...common, platform: opts.platform ?? hostPlatform() });
}

/**
 * `berth save -o FILE REF…`: {@link save} into the file `path`, replaced only
 * when the archive is complete (see writeArchiveFile: a symlink, FIFO, device
 * or directory at `path` is refused, a failure throws ArchiveOutputError and
 * leaves no temp file).
 */
export async function saveToFile(store: ImageStore, refs: readonly string[], path: string, opts: Omit<SaveOptions, "end"> = {}): Promise<void> {
  await writeArchiveFile(path, (out) => save(store, refs, out, opts));
}

/**
 * `berth load -i FILE` or `berth load < FILE`: import every image of a
 * docker-archive or OCI layout tar (a file path, or the archive's bytes as a
 * stream) with their names, and unpack them only when `opts.unpack` is true.
 * Bare OCI tags are named after the file (`localhost/<file>:<tag>`), or
 * `localhost/loaded:<tag>` for a stream. See importArchive for what is checked.
 */
export async function load(store: ImageStore, source: string | AsyncIterable<Uint8Array>, opts: { signal?: AbortSignal; unpack?: boolean } = {}): Promise<PullOutcome[]> {
  return store.withLease(async () => {
    const imported = await importArchive(source, store.content, opts.signal ? { signal: opts.signal } : {});
    if (imported.length === 0) throw new BerthError("NOT_FOUND", `${typeof source === "string" ? source : "archive"}: holds no image`);
    const base = typeof source === "string" ? source.replace(/\.(tar|tar\.gz|tgz)$/, "") : "loaded";
    return recordImported(store, imported, base, { ...opts, unpack: opts.unpack ?? false });
  });
}
