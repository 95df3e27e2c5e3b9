import { reachableFrom } from "../content/index.js";
import { familiarName, parseReference, type Digest, type ImageConfig } from "../oci/index.js";
import type { ImageRecord, ImageStore } from "./image-store.js";
import type { ImageUser } from "./image-user.js";
import { openImage } from "./image-view.js";
import type { RemovedBlob } from "./remove-images.js";

/** One `label` or `label!` value of docker's prune filter: `KEY` (the label is set) or `KEY=VALUE`. */
export interface LabelTest {
  readonly key: string;
  readonly value?: string;
}

/**
 * Which named images `image prune --all` may remove, docker's prune filters.
 * An image passes when it was created at or before `until`, has every label
 * of `labels`, and does not have all of `notLabels` (docker's `label!`: an
 * image is kept only when every one of them matches it).
 */
export interface ImagePruneFilter {
  readonly until?: Date;
  readonly labels?: readonly LabelTest[];
  readonly notLabels?: readonly LabelTest[];
}

/** Options for {@link pruneImages}. */
export interface PruneImagesOptions {
  /** docker's `-a`: remove the names of every image no container uses too, not only what no name reaches. */
  readonly all?: boolean;
  /** With `all`: only the images that pass it lose their names. */
  readonly filter?: ImagePruneFilter;
  /** The containers of the root (see ImageUser): their images keep a name, their content stays. */
  readonly users?: readonly ImageUser[];
  /** Change nothing; report what would go. */
  readonly dryRun?: boolean;
}

/** One image whose names `all` removed: docker's `untagged:` lines, then the `deleted:` ones. */
export interface PrunedImage {
  /** docker's familiar names (`busybox:1.36`, `localhost:5000/app:1`), in the order removed. */
  readonly untagged: readonly string[];
  /** Its blobs that went (its image id, the config digest, first); none while a container uses it. */
  readonly deleted: readonly RemovedBlob[];
}

/** The outcome of {@link pruneImages}. */
export interface PruneImagesResult {
  readonly images: readonly PrunedImage[];
  /** Blobs that no name reached before this prune (docker's dangling images), and any an image above did not claim. */
  readonly deleted: readonly RemovedBlob[];
  readonly bytesFreed: number;
  readonly snapshotsRemoved: readonly Digest[];
}

/**
 * `berth image prune [-a]`: with `all`, first remove the names of every
 * image that passes `filter`, as docker's prune does, one image (one
 * manifest or index) at a time: all its names when no container uses it;
 * when a container (running or stopped) does, all but the last of its names
 * in byte order of the full reference, which docker keeps (its image delete
 * refuses the last name of an image in use), so the image and its content
 * stay. Then remove what no name and no container reaches (ImageStore.prune).
 */
export async function pruneImages(store: ImageStore, opts: PruneImagesOptions = {}): Promise<PruneImagesResult> {
  const users = opts.users ?? [];
  const chosen = opts.all ? await namesToRemove(store, opts.filter ?? {}, users) : [];
  const names = chosen.flatMap((c) => c.names);
  // Each image's blobs are walked before anything goes: once prune deleted a
  // manifest its children can no longer be read, and a real run would tell
  // the layers apart from their image unlike a dry run.
  // The image ids first, as docker's `deleted:` lines start with the image's.
  const owned = await Promise.all(chosen.map(async (c) => [...c.imageIds, ...await reachableFrom([c.target], (d) => store.childrenOf(d))]));
  if (!opts.dryRun && names.length > 0) await store.removeNames(names);
  const swept = await store.prune({ graceMs: 0, users, dryRun: opts.dryRun === true, without: names });
  const removed = new Map(swept.removed.map((b) => [b.digest, b]));
  const claimed = new Set<Digest>();
  const images: PrunedImage[] = [];
  for (const [i, c] of chosen.entries()) {
    const deleted: RemovedBlob[] = [];
    // Each blob is told once, under the first image that reaches it.
    for (const d of owned[i]!) {
      const blob = removed.get(d);
      if (blob !== undefined && !claimed.has(d)) {
        claimed.add(d);
        deleted.push(blob);
      }
    }
    images.push({ untagged: c.names.map(familiar), deleted });
  }
  return {
    images,
    deleted: swept.removed.filter((b) => !claimed.has(b.digest)),
    bytesFreed: swept.bytesFreed,
    snapshotsRemoved: swept.snapshotsRemoved,
  };
}

interface Chosen {
  readonly target: Digest;
  readonly imageIds: readonly Digest[];
  /** Full references, byte order. */
  readonly names: readonly string[];
}

/** Per stored manifest or index that passes `filter`, the names docker's prune --all removes. */
async function namesToRemove(store: ImageStore, filter: ImagePruneFilter, users: readonly ImageUser[]): Promise<Chosen[]> {
  const inUse = new Set(users.filter((u) => u.state !== "removing").flatMap((u) => (u.imageId !== undefined ? [u.imageId] : [])));
  const byTarget = new Map<Digest, ImageRecord[]>();
  for (const r of await store.list()) byTarget.set(r.target.digest, [...(byTarget.get(r.target.digest) ?? []), r]);
  const out: Chosen[] = [];
  for (const [target, records] of byTarget) {
    const config = await openImage(store.content, records[0]!.target, records[0]!.platform).then((v) => v.config, () => undefined);
    if (!passes(filter, config)) continue;
    const imageIds = await store.imageIds(target);
    const names = records.map((r) => r.name).sort(byteOrder);
    const kept = imageIds.some((id) => inUse.has(id)) ? names.slice(0, -1) : names;
    if (kept.length > 0) out.push({ target, imageIds, names: kept });
  }
  return out;
}

/** Whether an image with `config` passes `filter`; an unreadable config passes only an empty filter. */
function passes(filter: ImagePruneFilter, config: ImageConfig | undefined): boolean {
  const empty = filter.until === undefined && (filter.labels ?? []).length === 0 && (filter.notLabels ?? []).length === 0;
  if (config === undefined) return empty;
  // docker: an image created after `until` stays; one without a date counts as created at the zero time.
  const created = config.created === undefined ? 0 : Date.parse(config.created);
  if (filter.until !== undefined && created > filter.until.getTime()) return false;
  const labels = config.config?.Labels ?? {};
  const has = (t: LabelTest): boolean => Object.hasOwn(labels, t.key) && (t.value === undefined || labels[t.key] === t.value);
  if (!(filter.labels ?? []).every(has)) return false;
  const not = filter.notLabels ?? [];
  return not.length === 0 || !not.every(has);
}

/** docker sorts an image's references by their full strings, byte by byte (Go's string order). */
const byteOrder = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

function familiar(name: string): string {
  try {
    return familiarName(parseReference(name));
  } catch {
    return name;
  }
}
