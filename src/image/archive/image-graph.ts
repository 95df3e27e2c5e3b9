import {
  MediaType, isIndexMediaType, parseImageConfig, parseManifest, type Descriptor, type ImageManifest,
} from "../../oci/index.js";

/** Where {@link walkImageGraph} finds blobs. */
export interface GraphSource {
  /**
   * Make the blob available and return its size, or undefined when it is
   * missing. May throw for a blob that is present but wrong (a digest mismatch).
   */
  fetch(desc: Descriptor): Promise<number | undefined>;
  /** The bytes of a blob fetch() found (only called for manifests and configs, at most their size limit). */
  read(desc: Descriptor): Promise<Uint8Array>;
}

/** How {@link walkImageGraph} reports bad content, so import and export can each name things their way. */
export interface GraphErrors {
  missing(desc: Descriptor, referencedBy: string): Error;
  invalid(desc: Descriptor, reason: string, cause?: unknown): Error;
}

/** Options for {@link walkImageGraph}. */
export interface WalkOptions {
  /** Nested indexes deeper than this are refused; default 8. */
  readonly maxDepth?: number;
  /** More distinct blobs than this are refused; default 100 000. */
  readonly maxBlobs?: number;
}

const MANIFEST_LIMIT = 4 << 20;
const CONFIG_LIMIT = 8 << 20;
const IMAGE_CONFIG_TYPES: ReadonlySet<string> = new Set([MediaType.OciConfig, MediaType.DockerConfig]);

interface Pending {
  readonly desc: Descriptor;
  readonly from: string;
  readonly depth: number;
  /** Index children of unknown media types and foreign layers may be absent (image-index.md, Docker's foreign layers). */
  readonly optional: boolean;
}

/**
 * Every blob reachable from `roots` (index.json's manifests, or the images to
 * export), each once, roots and parents before their children: indexes and
 * their manifests, then each manifest's config and layers. Every blob is
 * fetched and its size checked against its descriptor; manifests and indexes
 * are parsed with their descriptor's media type, image configs (OCI, Docker)
 * parsed and their diff_ids counted against the layers. A required blob that
 * is missing throws `errors.missing`, bad content `errors.invalid`.
 */
export async function walkImageGraph(
  roots: readonly { desc: Descriptor; from: string }[], source: GraphSource, errors: GraphErrors, opts: WalkOptions = {},
): Promise<Descriptor[]> {
  const maxDepth = opts.maxDepth ?? 8;
  const maxBlobs = opts.maxBlobs ?? 100_000;
  const seen = new Map<string, Descriptor>();
  const stack: Pending[] = roots.map((r) => ({ desc: r.desc, from: r.from, depth: 0, optional: false })).reverse();
  while (stack.length > 0) {
    const { desc, from, depth, optional } = stack.pop()!;
    if (seen.has(desc.digest)) continue;
    const size = await source.fetch(desc);
    if (size === undefined) {
      if (optional) continue;
      throw errors.missing(desc, from);
    }
    if (size !== desc.size) throw errors.invalid(desc, `is ${size} bytes, but ${from} says ${desc.size}`);
    seen.set(desc.digest, desc);
    if (seen.size > maxBlobs) throw errors.invalid(desc, `is one blob more than the ${maxBlobs} an image may have`);
    if (!isManifestType(desc.mediaType)) continue;
    if (depth >= maxDepth) throw errors.invalid(desc, `indexes are nested more than ${maxDepth} deep`);
    const children = await childrenOf(desc, source, errors);
    for (let i = children.length - 1; i >= 0; i--) {
      const c = children[i]!;
      stack.push({ desc: c.desc, from: `${c.field} of ${desc.digest}`, depth: depth + 1, optional: c.optional });
    }
  }
  return [...seen.values()];
}

const isManifestType = (mt: string): boolean =>
  isIndexMediaType(mt) || mt === MediaType.OciManifest || mt === MediaType.DockerManifest;

async function childrenOf(
  desc: Descriptor, source: GraphSource, errors: GraphErrors,
): Promise<{ desc: Descriptor; field: string; optional: boolean }[]> {
  if (desc.size > MANIFEST_LIMIT) throw errors.invalid(desc, `a manifest of ${desc.size} bytes is over the ${MANIFEST_LIMIT}-byte limit`);
  let parsed;
  try {
    parsed = parseManifest(await source.read(desc), desc.mediaType);
  } catch (e) {
    throw errors.invalid(desc, `does not parse as ${desc.mediaType}: ${e instanceof Error ? e.message : String(e)}`, e);
  }
  if (parsed.isIndex) {
    return parsed.children.map((c, i) => ({ desc: c, field: `manifests[${i}]`, optional: !isManifestType(c.mediaType) }));
  }
  const m = parsed.manifest as ImageManifest;
  if (IMAGE_CONFIG_TYPES.has(m.config.mediaType)) await checkConfig(m, source, errors);
  return [
    { desc: m.config, field: "config", optional: false },
    ...m.layers.map((l, i) => ({ desc: l, field: `layers[${i}]`, optional: l.urls !== undefined && l.urls.length > 0 })),
  ];
}

async function checkConfig(m: ImageManifest, source: GraphSource, errors: GraphErrors): Promise<void> {
  const desc = m.config;
  if (desc.size > CONFIG_LIMIT) throw errors.invalid(desc, `an image config of ${desc.size} bytes is over the ${CONFIG_LIMIT}-byte limit`);
  const size = await source.fetch(desc);
  if (size === undefined) throw errors.missing(desc, "config");
  if (size !== desc.size) throw errors.invalid(desc, `is ${size} bytes, but its manifest says ${desc.size}`);
  let diffIds: number;
  try {
    diffIds = parseImageConfig(await source.read(desc)).rootfs.diff_ids.length;
  } catch (e) {
    throw errors.invalid(desc, `image config does not parse: ${e instanceof Error ? e.message : String(e)}`, e);
  }
  if (diffIds !== m.layers.length) {
    throw errors.invalid(desc, `image config lists ${diffIds} diff_ids, but its manifest has ${m.layers.length} layers`);
  }
}
