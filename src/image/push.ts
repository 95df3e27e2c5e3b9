import type { MissingIndexEntryError, PushImageOptions } from "../client/index.js";
import { formatReference, hostPlatform, parseReference, type Descriptor, type Platform } from "../oci/index.js";
import { exportDockerArchive, writeArchiveFile, writeOciLayoutDir } from "./archive/index.js";
import { findImage } from "./image-names.js";
import { parseImageLocation, type ImageLocation } from "./image-location.js";
import type { ImageStore } from "./image-store.js";
import { loadClient } from "./load-client.js";
import { choosePlatformImage, type PlatformImage } from "./platform-image.js";

export interface PushOptions extends PushImageOptions {
  /**
   * Push only this platform's manifest out of an index. Without it: the
   * whole index when the store (or, for a registry, the destination
   * repository) has every platform, else the platform the name stands for
   * (see choosePlatformImage); a docker-archive takes that platform.
   */
  readonly platform?: Platform;
}

/** Where a push went, what it pushed, and what of an index it left out. */
export interface PushOutcome {
  readonly destination: string;
  readonly descriptor: Descriptor;
  /** The platform pushed alone out of an index the store holds only part of. */
  readonly platform?: Platform;
  /** Platforms of the index left out because neither the store nor the destination has them. */
  readonly leftOut: readonly Platform[];
}

/**
 * `berth push NAME [DESTINATION]`: send a local image to a registry (default:
 * the registry its name says), an `oci:DIR[:tag]` layout or a
 * `docker-archive:FILE[:ref]`. An index the store holds only some platforms
 * of is pushed whole when the destination registry has the rest (a push back
 * where it came from), else as the one platform the name stands for, as
 * docker pushes the platform it pulled; PushOutcome.leftOut says what was left out.
 */
export async function push(store: ImageStore, source: string, destination?: string, opts: PushOptions = {}): Promise<PushOutcome> {
  const [record] = await findImage(store, source);
  const dest: ImageLocation = destination ? parseImageLocation(destination) : { kind: "registry", ref: parseReference(record!.name) };
  if (dest.kind === "docker-archive") {
    const platform = opts.platform ?? record!.platform;
    return { destination: describe(dest), descriptor: await sendTo(store, record!.target, dest, record!.name, { ...opts, ...(platform && { platform }) }), leftOut: [] };
  }
  if (dest.kind === "registry" && opts.platform === undefined) {
    try {
      return { destination: describe(dest), descriptor: await sendTo(store, record!.target, dest, record!.name, opts), leftOut: [] };
    } catch (e) {
      if (!isMissingIndexEntry(e)) throw e;
    }
  }
  const chosen = await choosePlatformImage(store.content, record!, opts.platform);
  return { destination: describe(dest), descriptor: await sendTo(store, chosen.target, dest, record!.name, opts), ...partOf(chosen) };
}

const partOf = (c: PlatformImage): Pick<PushOutcome, "platform" | "leftOut"> => ({ ...(c.platform && { platform: c.platform }), leftOut: c.leftOut });

/** The client's MissingIndexEntryError, by its brand: the client is loaded only when an image moves (see loadClient). */
const isMissingIndexEntry = (e: unknown): e is MissingIndexEntryError =>
  (e as MissingIndexEntryError | undefined)?.isMissingIndexEntry === true;

/**
 * Write the stored image `target` to `dest`. A docker-archive file is
 * replaced only when complete, and an `oci:` directory is made as needed;
 * where they cannot be written, ArchiveOutputError names the path.
 */
export async function sendTo(store: ImageStore, target: Descriptor, dest: ImageLocation, name: string | undefined, opts: PushOptions = {}): Promise<Descriptor> {
  switch (dest.kind) {
    case "registry": {
      const r = await (await loadClient()).pushImage(store.content, target.digest, dest.ref, opts);
      return r.descriptor;
    }
    case "oci":
      await writeOciLayoutDir(dest.dir, store.content, [{ manifest: target, names: dest.tag ? [dest.tag] : [] }], opts.signal ? { signal: opts.signal } : {});
      return target;
    case "docker-archive": {
      const names = dest.ref ? [dest.ref] : name ? [name] : [];
      await writeArchiveFile(dest.file, (out) =>
        exportDockerArchive(store.content, [{ manifest: target, names }], out, { platform: opts.platform ?? hostPlatform(), ...(opts.signal && { signal: opts.signal }) }));
      return target;
    }
  }
}

function describe(l: ImageLocation): string {
  if (l.kind === "registry") return formatReference(l.ref);
  if (l.kind === "oci") return `oci:${l.dir}${l.tag ? `:${l.tag}` : ""}`;
  return `docker-archive:${l.file}`;
}

export const pushDestinationName = describe;
