import type { ImageRecord } from "./image-store.js";
import type { ImageView } from "./image-view.js";
import { familiarName, parseReference } from "../oci/index.js";

/** `docker image inspect`'s JSON for one image (the fields tools read). */
export interface DockerImageInspect {
  readonly Id: string;
  readonly RepoTags: readonly string[];
  readonly RepoDigests: readonly string[];
  readonly Parent: string;
  readonly Comment: string;
  readonly Created: string;
  readonly DockerVersion: string;
  readonly Author: string;
  readonly Config: Readonly<Record<string, unknown>> | null;
  readonly Architecture: string;
  readonly Variant?: string;
  readonly Os: string;
  /** The unpacked size of the layers, as `berth images` shows it (see imageSize). */
  readonly Size: number;
  readonly RootFS: { readonly Type: string; readonly Layers: readonly string[] };
  readonly Metadata: { readonly LastTagTime: string };
  /** berth's addition: the manifest (or index) digest and media type. */
  readonly Descriptor: { readonly mediaType: string; readonly digest: string; readonly size: number };
}

/** Build docker's inspect shape from an image, the names that point at it and its size (imageSize's). */
export function inspectImage(view: ImageView, records: readonly ImageRecord[], size: number): DockerImageInspect {
  const tags: string[] = [];
  const digests = new Set<string>();
  for (const r of records) {
    const ref = parseReference(r.name);
    if (ref.tag) tags.push(familiarName({ registry: ref.registry, repository: ref.repository, tag: ref.tag }));
    digests.add(`${familiarName({ registry: ref.registry, repository: ref.repository })}@${r.target.digest}`);
  }
  const cfg = view.config;
  return {
    Id: view.configDescriptor.digest,
    RepoTags: tags.sort(),
    RepoDigests: [...digests].sort(),
    Parent: "",
    Comment: typeof cfg.comment === "string" ? cfg.comment : "",
    Created: cfg.created ?? "1970-01-01T00:00:00Z",
    DockerVersion: typeof cfg.docker_version === "string" ? cfg.docker_version : "",
    Author: cfg.author ?? "",
    Config: (cfg.config as Record<string, unknown> | undefined) ?? null,
    Architecture: cfg.architecture,
    ...(cfg.variant && { Variant: cfg.variant }),
    Os: cfg.os,
    Size: size,
    RootFS: { Type: cfg.rootfs.type, Layers: [...cfg.rootfs.diff_ids] },
    Metadata: { LastTagTime: records.map((r) => r.lastTagTime).sort().at(-1) ?? "" },
    Descriptor: {
      mediaType: (view.index?.descriptor ?? view.descriptor).mediaType,
      digest: (view.index?.descriptor ?? view.descriptor).digest,
      size: (view.index?.descriptor ?? view.descriptor).size,
    },
  };
}
