import type { PushImageOptions } from "../client/index.js";
import { formatReference, hostPlatform, parseReference, type Descriptor, type Platform } from "../oci/index.js";
import { exportDockerArchive, writeArchiveFile, writeOciLayoutDir } from "./archive/index.js";
import { findImage } from "./image-names.js";
import { parseImageLocation, type ImageLocation } from "./image-location.js";
import type { ImageStore } from "./image-store.js";
import { loadClient } from "./load-client.js";

export interface PushOptions extends PushImageOptions {
  /** For a docker-archive destination of an index: the platform to write (default this machine's). */
  readonly platform?: Platform;
}

/**
 * `berth push NAME [DESTINATION]`: send a local image to a registry (default:
 * the registry its name says), an `oci:DIR[:tag]` layout or a
 * `docker-archive:FILE[:ref]`. Returns where it went and the digest pushed.
 */
export async function push(store: ImageStore, source: string, destination?: string, opts: PushOptions = {}): Promise<{ destination: string; descriptor: Descriptor }> {
  const [record] = await findImage(store, source);
  const target = record!.target;
  const dest: ImageLocation = destination ? parseImageLocation(destination) : { kind: "registry", ref: parseReference(record!.name) };
  return { destination: describe(dest), descriptor: await sendTo(store, target, dest, record!.name, opts) };
}

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
