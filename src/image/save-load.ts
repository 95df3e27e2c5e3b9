import type { Writable } from "node:stream";
import { BerthError, formatPlatform, hostPlatform, type Platform } from "../oci/index.js";
import { exportDockerArchive, exportOciLayout, importArchive, writeArchiveFile, type ImageToExport } from "./archive/index.js";
import { findImage } from "./image-names.js";
import type { ImageStore } from "./image-store.js";
import { choosePlatformImage } from "./platform-image.js";
import { recordImported, type PullOutcome } from "./pull.js";

export interface SaveOptions {
  /** docker-archive (default: what `docker load` reads) or an OCI layout tar. */
  readonly format?: "docker" | "oci";
  /**
   * The platform to take from an index: its manifest alone is saved. Without
   * it, docker-archive takes the platform the name stands for (the one last
   * pulled for it, else this machine's); an OCI layout keeps the whole index
   * when the store holds every platform, else that same platform (see
   * choosePlatformImage) and SaveOutcome says what was left out.
   */
  readonly platform?: Platform;
  /** End `out` when the archive is written (default true); false for process.stdout, which is not ours to end. */
  readonly end?: boolean;
  readonly signal?: AbortSignal;
}

/** What a save wrote short of what was asked. */
export interface SaveOutcome {
  /** Images of an OCI layout saved as one platform because the store lacks others of their index, and those left out. */
  readonly partial: readonly { readonly name: string; readonly platform?: Platform; readonly leftOut: readonly Platform[] }[];
}

/**
 * `berth save REF… > FILE`: write images (with the names given) into one
 * archive on `out`, each reduced to one platform as SaveOptions.platform
 * says. Throws ImageNotFoundError for a name not stored, and what the archive
 * writers throw; `out` then holds part of an archive.
 */
export async function save(store: ImageStore, refs: readonly string[], out: Writable, opts: SaveOptions = {}): Promise<SaveOutcome> {
  if (refs.length === 0) throw new BerthError("INVALID_ARGUMENT", "save: name at least one image");
  const images: ImageToExport[] = [];
  const partial: SaveOutcome["partial"][number][] = [];
  for (const ref of refs) {
    const [record] = await findImage(store, ref);
    let image: ImageToExport;
    if (opts.format === "oci") {
      const chosen = await choosePlatformImage(store.content, record!, opts.platform);
      if (chosen.leftOut.length > 0) partial.push({ name: record!.name, ...(chosen.platform && { platform: chosen.platform }), leftOut: chosen.leftOut });
      image = { manifest: chosen.target, names: [] };
    } else {
      const platform = opts.platform ?? record!.platform;
      image = { manifest: record!.target, names: [], ...(platform && { platform }) };
    }
    const existing = images.find((i) => i.manifest.digest === image.manifest.digest && samePlatform(i.platform, image.platform));
    const name = /^[a-f0-9]{4,64}$/.test(ref.replace(/^sha256:/, "")) ? [] : [record!.name];
    if (existing) (existing.names as string[]).push(...name);
    else images.push({ ...image, names: name });
  }
  const common = { ...(opts.signal && { signal: opts.signal }), ...(opts.end !== undefined && { end: opts.end }) };
  if (opts.format === "oci") await exportOciLayout(store.content, images, out, common);
  else await exportDockerArchive(store.content, images, out, { ...common, platform: hostPlatform() });
  return { partial };
}

/**
 * `berth save -o FILE REF…`: {@link save} into the file `path`, replaced only
 * when the archive is complete (see writeArchiveFile: a symlink, FIFO, device
 * or directory at `path` is refused, a failure throws ArchiveOutputError and
 * leaves no temp file).
 */
export async function saveToFile(store: ImageStore, refs: readonly string[], path: string, opts: Omit<SaveOptions, "end"> = {}): Promise<SaveOutcome> {
  let outcome: SaveOutcome = { partial: [] };
  await writeArchiveFile(path, async (out) => {
    outcome = await save(store, refs, out, opts);
  });
  return outcome;
}

/**
 * `berth load -i FILE` or `berth load < FILE`: import every image of a
 * docker-archive or OCI layout tar (a file path, or the archive's bytes as a
 * stream) with their names, and unpack them only when `opts.unpack` is true.
 * Bare OCI tags are named after the file (`localhost/<file>:<tag>`), or
 * `localhost/loaded:<tag>` for a stream. See importArchive for what is checked.
 * When it fails, the blobs it stored that nothing names are removed (see
 * ImageStore.withLease).
 */
export async function load(store: ImageStore, source: string | AsyncIterable<Uint8Array>, opts: { signal?: AbortSignal; unpack?: boolean } = {}): Promise<PullOutcome[]> {
  return store.withLease(async () => {
    const imported = await importArchive(source, store.content, opts.signal ? { signal: opts.signal } : {});
    if (imported.length === 0) throw new BerthError("NOT_FOUND", `${typeof source === "string" ? source : "archive"}: holds no image`);
    const base = typeof source === "string" ? source.replace(/\.(tar|tar\.gz|tgz)$/, "") : "loaded";
    return recordImported(store, imported, base, { ...opts, unpack: opts.unpack ?? false });
  }, { removeUnnamedOnFailure: true });
}

/** Platforms compared as what they name, not by the order of their keys (one read from an index, one from a flag). */
const samePlatform = (a: Platform | undefined, b: Platform | undefined): boolean =>
  a === undefined || b === undefined ? a === b : formatPlatform(a) === formatPlatform(b);
