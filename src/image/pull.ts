import type { PullImageOptions } from "../client/index.js";
import { BerthError, formatReference, hostPlatform, isIndexMediaType, parseImageConfig, type Descriptor, type Platform } from "../oci/index.js";
import { importArchive, readOciLayoutDir, type ImportedImage } from "./archive/index.js";
import { fullName } from "./image-names.js";
import { parseImageLocation, type ImageLocation } from "./image-location.js";
import type { ImageStore } from "./image-store.js";
import { openImage } from "./image-view.js";
import { StreamingUnpack } from "./streaming-unpack.js";
import { unpackImage, type UnpackProgress } from "./unpack/index.js";
import { loadClient } from "./load-client.js";

export interface PullOptions extends PullImageOptions {
  /** Unpack the layers into snapshots after the pull (default true), as docker does. */
  readonly unpack?: boolean;
  readonly onUnpack?: (p: UnpackProgress) => void;
}

export interface PullOutcome {
  /** Names recorded in the store. */
  readonly names: readonly string[];
  readonly descriptor: Descriptor;
  /** Chain id of the unpacked top layer, when unpacked. */
  readonly chainId?: string;
}

/**
 * `berth pull LOCATION`: fetch from a registry (or read an `oci:` directory
 * or a `docker-archive:` file) into the store, record the name(s), and unpack
 * the image for `platform` into snapshots. A name pulled from a registry for
 * one platform of an index records that platform (ImageRecord.platform).
 * When a local import fails, the blobs it stored that nothing names are
 * removed (see ImageStore.withLease).
 */
export async function pull(store: ImageStore, location: string, opts: PullOptions = {}): Promise<PullOutcome[]> {
  const loc = parseImageLocation(location);
  // A failed import leaves nothing behind; a failed registry pull keeps what it committed, for the next pull.
  return store.withLease(() => pullLeased(store, location, loc, opts), { removeUnnamedOnFailure: loc.kind !== "registry" });
}

async function pullLeased(store: ImageStore, location: string, loc: ImageLocation, opts: PullOptions): Promise<PullOutcome[]> {
  if (loc.kind === "registry") {
    const streaming = opts.unpack === false ? undefined : new StreamingUnpack(store, opts.platform ?? hostPlatform(), opts);
    let r;
    try {
      r = await (await loadClient()).pullImage(loc.ref, store.content, {
        ...opts,
        ...(streaming && {
          onImages: streaming.plan,
          onProgress: (e) => {
            opts.onProgress?.(e);
            streaming.onEvent(e);
          },
        }),
      });
    } catch (e) {
      await streaming?.settle(e);
      throw e;
    }
    // A name pulled for one platform of an index stands for that platform's image, as docker's does.
    const platform = opts.allPlatforms === true || !isIndexMediaType(r.descriptor.mediaType) ? undefined : opts.platform ?? hostPlatform();
    await store.setName(formatReference(loc.ref), r.descriptor, platform);
    const chainId = await streaming?.finish();
    return [{ names: [formatReference(loc.ref)], descriptor: r.descriptor, ...(chainId && { chainId }) }];
  }
  const imported: ImportedImage[] = loc.kind === "oci"
    ? await readOciLayoutDir(loc.dir, store.content, { ...(loc.tag && { ref: loc.tag }) })
    : await importArchive(loc.file, store.content, { ...(loc.ref && { ref: loc.ref }), ...(opts.signal && { signal: opts.signal }) });
  if (imported.length === 0) throw new BerthError("NOT_FOUND", `${location}: no image${loc.kind === "oci" && loc.tag ? ` tagged ${loc.tag}` : ""}`);
  return recordImported(store, imported, loc.kind === "oci" ? loc.dir : loc.file.replace(/\.(tar|tar\.gz|tgz)$/, ""), opts);
}

/**
 * Name imported images in the store (bare tags under `localhost/<base name
 * of source>`, see namesOf) and unpack them unless `opts.unpack` is false.
 * Call inside a lease, which keeps the blobs until they are named.
 */
export async function recordImported(store: ImageStore, imported: readonly ImportedImage[], source: string, opts: PullOptions): Promise<PullOutcome[]> {
  // Every name is checked before the first is recorded.
  const named = imported.map((i) => ({ names: namesOf(i, source), descriptor: i.manifest }));
  const out: PullOutcome[] = [];
  for (const { names, descriptor } of named) {
    for (const n of names) await store.setName(n, descriptor);
    const chainId = opts.unpack === false ? undefined : await unpackFor(store, descriptor, opts.platform ?? hostPlatform(), opts);
    out.push({ names, descriptor, ...(chainId && { chainId }) });
  }
  return out;
}

/** Unpack the image `target` names for `platform`; returns its top chain id. */
export async function unpackFor(store: ImageStore, target: Descriptor, platform: Platform, opts: Pick<PullOptions, "onUnpack" | "signal"> = {}): Promise<string> {
  const view = await openImage(store.content, target, platform);
  const config = parseImageConfig(await store.content.readBytes(view.configDescriptor.digest));
  const r = await unpackImage(store.content, view.layers, config.rootfs.diff_ids, await store.snapshots(), {
    ...(opts.onUnpack && { onProgress: opts.onUnpack }),
    ...(opts.signal && { signal: opts.signal }),
  });
  return r.chainId;
}

/**
 * Full names for an imported image. Bare OCI tags (`latest`) get the layout
 * directory's (or archive file's) base name as repository under `localhost/`; unnamed images get
 * `localhost/loaded:<short digest>` so the store can hold them.
 */
function namesOf(i: ImportedImage, layoutDir: string): string[] {
  const names = i.names.map((n) => {
    if (/^[\w][\w.-]{0,127}$/.test(n)) {
      const base = layoutDir.replace(/\/+$/, "").split("/").pop()!.toLowerCase().replace(/[^a-z0-9._-]/g, "-");
      return fullName(`localhost/${base}:${n}`).name;
    }
    return fullName(n).name;
  });
  return names.length > 0 ? names : [fullName(`localhost/loaded:${i.manifest.digest.slice(7, 19)}`).name];
}
