import { createHash } from "node:crypto";
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic, type ContentStore } from "../../content/index.js";
import { parseDigest, type Descriptor, type Digest } from "../../oci/index.js";
import type { SnapshotStore } from "../../image/index.js";

/** What a cached RUN/COPY/ADD/WORKDIR step produced. */
export type CachedStep =
  | { readonly empty: true; readonly created: string }
  | { readonly empty: false; readonly created: string; readonly layer: Descriptor; readonly diffId: Digest; readonly chainId: Digest };

/**
 * The Dockerfile build cache: step key → the layer the step made.
 *
 * A key is a rolling hash: every instruction (config-only ones too) mixes
 * its expanded text, its inputs' content hash and the stage's state into the
 * key before it, from the base image's config digest on. So, as docker's
 * cache, a changed step misses and so does every step after it, and a step
 * reached through the same history with the same inputs hits. Records are
 * small JSON files; a record whose blob or snapshot has since been removed
 * (prune, rmi) counts as a miss.
 */
export class StepCache {
  private constructor(private readonly dir: string, private readonly content: ContentStore, private readonly snapshots: SnapshotStore) {}

  static async open(dir: string, content: ContentStore, snapshots: SnapshotStore): Promise<StepCache> {
    await mkdir(dir, { recursive: true });
    return new StepCache(dir, content, snapshots);
  }

  /** The key after `parent` for an instruction described by `parts`. */
  static next(parent: string, ...parts: readonly string[]): string {
    const h = createHash("sha256").update(parent);
    for (const p of parts) h.update("\0").update(p);
    return h.digest("hex");
  }

  async get(key: string): Promise<CachedStep | undefined> {
    const text = await readFile(join(this.dir, `${key}.json`), "utf8").catch(() => undefined);
    if (text === undefined) return undefined;
    let rec: CachedStep;
    try {
      rec = parseRecord(JSON.parse(text));
    } catch {
      return undefined; // a torn or foreign file: rebuild the step
    }
    if (rec.empty) return rec;
    if (!(await this.content.hasBlob(rec.layer.digest)) || (await this.snapshots.info(rec.chainId)) === undefined) return undefined;
    return rec;
  }

  async put(key: string, rec: CachedStep): Promise<void> {
    await writeFileAtomic(join(this.dir, `${key}.json`), JSON.stringify(rec));
  }
}

function parseRecord(v: unknown): CachedStep {
  const o = v as Record<string, unknown>;
  const created = typeof o.created === "string" ? o.created : new Date(0).toISOString();
  if (o.empty === true) return { empty: true, created };
  const layer = o.layer as Record<string, unknown>;
  if (typeof layer?.mediaType !== "string" || typeof layer.size !== "number") throw new Error("bad record");
  return {
    empty: false,
    created,
    layer: { mediaType: layer.mediaType, digest: parseDigest(String(layer.digest)), size: layer.size },
    diffId: parseDigest(String(o.diffId)),
    chainId: parseDigest(String(o.chainId)),
  };
}
