import { parseReference } from "../../oci/index.js";
import { ArchiveEntryError } from "./errors.js";

/** One image of a docker-archive's manifest.json (moby's tarexport manifestItem), paths as written. */
export interface DockerArchiveItem {
  /** Path of the image config in the archive: `<hex>.json`, or `blobs/sha256/<hex>` (docker 25+). */
  readonly config: string;
  /** `busybox:latest`, `docker.io/library/busybox:latest`; empty for an untagged image. */
  readonly repoTags: readonly string[];
  /** Paths of the layers, base first: `<id>/layer.tar`, `<hex>.tar`, `blobs/sha256/<hex>`. */
  readonly layers: readonly string[];
}

const fail = (field: string, what: string, cause?: unknown): ArchiveEntryError =>
  new ArchiveEntryError("manifest.json", `${field}: ${what}`, { cause, hint: 'docker save writes [{"Config":"…","RepoTags":["name:tag"],"Layers":["…"]}]' });

/**
 * Parse a docker-archive manifest.json: a non-empty array of
 * `{Config, RepoTags, Layers}`; other keys (Parent, LayerSources) are
 * ignored. Each RepoTag must be a reference with a tag, as docker load
 * requires. Throws ArchiveEntryError naming the field (`[0].Layers[2]: …`).
 */
export function parseDockerManifestJson(bytes: Uint8Array): DockerArchiveItem[] {
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(bytes).toString("utf8"));
  } catch (e) {
    throw fail("(document)", `is not JSON: ${(e as Error).message}`, e);
  }
  if (!Array.isArray(doc)) throw fail("(document)", "must be an array of images");
  if (doc.length === 0) throw fail("(document)", "lists no images");
  return doc.map((item: unknown, i) => {
    if (typeof item !== "object" || item === null || Array.isArray(item)) throw fail(`[${i}]`, "must be an object");
    const it = item as Record<string, unknown>;
    if (typeof it.Config !== "string") throw fail(`[${i}].Config`, "must be the path of the image config");
    return { config: it.Config, repoTags: repoTags(it.RepoTags, i), layers: layers(it.Layers, i) };
  });
}

function layers(v: unknown, i: number): string[] {
  if (v === null || v === undefined) return [];
  if (!Array.isArray(v)) throw fail(`[${i}].Layers`, "must be an array of paths");
  return v.map((p: unknown, j) => {
    if (typeof p !== "string") throw fail(`[${i}].Layers[${j}]`, "must be a path");
    return p;
  });
}

function repoTags(v: unknown, i: number): string[] {
  if (v === null || v === undefined) return [];
  if (!Array.isArray(v)) throw fail(`[${i}].RepoTags`, "must be an array of names");
  return v.map((t: unknown, j) => {
    const field = `[${i}].RepoTags[${j}]`;
    if (typeof t !== "string") throw fail(field, "must be a name like busybox:latest");
    try {
      const ref = parseReference(t);
      const last = t.slice(t.lastIndexOf("/") + 1);
      if (ref.digest !== undefined || !last.includes(":")) throw new Error(`"${t}" is not name:tag (docker load takes only tagged names)`);
    } catch (e) {
      throw fail(field, (e as Error).message, e);
    }
    return t;
  });
}
