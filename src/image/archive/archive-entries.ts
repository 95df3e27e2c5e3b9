import { posix } from "node:path";
import { buffer } from "node:stream/consumers";
import { parseDigest, type Digest } from "../../oci/index.js";
import { ArchiveEntryError, MissingEntryError } from "./errors.js";
import { normalizeEntryPath, resolveLinkTarget } from "./entry-path.js";
import type { ArchiveStore } from "./imported-image.js";
import { ingestEntry, type StoredEntry } from "./ingest-entry.js";
import { readTarEntries, type ReadTarOptions } from "./tar-entries.js";

/** Top-level files that say what an archive holds; read into memory, at most METADATA_LIMIT bytes each. */
const METADATA = new Set(["manifest.json", "index.json", "oci-layout", "repositories"]);
const METADATA_LIMIT = 4 << 20;
/** Links followed in a row before giving up (a loop, or a hostile chain). */
const MAX_LINK_HOPS = 16;
const BLOB_PATH = /^blobs\/([^/]+)\/([^/]+)$/;

/**
 * The files of an image archive after one streaming pass: the metadata
 * files in memory, every other file committed to the content store (a
 * `blobs/<alg>/<encoded>` file only if its bytes have that digest, others
 * under the digest they have), links kept as names. Legacy per-layer `json`
 * and `VERSION` files (docker save before 25) are skipped unread.
 */
export class ArchiveEntries {
  private readonly metadata = new Map<string, Buffer>();
  private readonly stored = new Map<string, StoredEntry>();
  private readonly links = new Map<string, string>();
  private readonly names = new Set<string>();

  private constructor() {}

  /**
   * Read the tar `input` to its end (see the class comment). Throws
   * ArchiveEntryError for an unsafe name or link, a device or fifo, a
   * duplicate name, an oversized metadata file or a blob whose bytes do not
   * match its path; ArchiveFormatError for a stream that is not a whole tar.
   * Blobs committed before a failure stay: each is verified, none is named.
   */
  static async collect(input: AsyncIterable<Uint8Array>, store: ArchiveStore, opts: ReadTarOptions = {}): Promise<ArchiveEntries> {
    const entries = new ArchiveEntries();
    for await (const { header, body } of readTarEntries(input, opts)) {
      const name = normalizeEntryPath(header.name);
      const type = header.type ?? "file";
      if (type === "directory") {
        await drain(body);
        continue;
      }
      if (entries.names.has(name)) throw new ArchiveEntryError(header.name, "appears twice in the archive", { hint: "which copy is meant is ambiguous; the archive is malformed" });
      entries.names.add(name);
      if (type === "symlink" || type === "link") {
        entries.links.set(name, resolveLinkTarget(name, header.linkname ?? "", type));
        await drain(body);
      } else if (type === "file" || type === "contiguous-file") {
        await entries.addFile(name, header.name, header.size ?? 0, body, store);
      } else {
        throw new ArchiveEntryError(header.name, `is a ${type}; an image archive holds only files, directories and links`, {
          hint: "the archive is malformed or hostile; do not load it",
        });
      }
    }
    return entries;
  }

  /** A metadata file (manifest.json, index.json, oci-layout, repositories), if the archive has it. */
  metadataFile(name: string): Buffer | undefined {
    return this.metadata.get(name);
  }

  /** The file at `blobs/<alg>/<encoded>` for `digest`, if the archive has it. */
  blob(digest: Digest): StoredEntry | undefined {
    const [alg, enc] = digest.split(":");
    return this.stored.get(`blobs/${alg}/${enc}`);
  }

  /**
   * The stored file named `path`, following links inside the archive.
   * `referencedBy` says who names it, for the error: a path that is unsafe
   * throws ArchiveEntryError, one that is not a stored file MissingEntryError.
   */
  resolve(path: string, referencedBy: string): StoredEntry {
    let name = normalizeEntryPath(path);
    for (let hops = 0; hops <= MAX_LINK_HOPS; hops++) {
      const file = this.stored.get(name);
      if (file !== undefined) return file;
      const next = this.links.get(name);
      if (next === undefined) throw new MissingEntryError(path, referencedBy);
      name = next;
    }
    throw new ArchiveEntryError(path, `links are chained more than ${MAX_LINK_HOPS} deep (a loop?)`);
  }

  private async addFile(name: string, raw: string, size: number, body: AsyncIterable<Uint8Array>, store: ArchiveStore): Promise<void> {
    if (METADATA.has(name)) {
      if (size > METADATA_LIMIT) throw new ArchiveEntryError(raw, `is ${size} bytes, more than the ${METADATA_LIMIT} berth reads for it`);
      this.metadata.set(name, await buffer(body));
      return;
    }
    const base = posix.basename(name);
    if (name.includes("/") && !name.startsWith("blobs/") && (base === "json" || base === "VERSION")) {
      await drain(body);
      return;
    }
    const m = BLOB_PATH.exec(name);
    let digest: Digest | undefined;
    if (m) {
      try {
        digest = parseDigest(`${m[1]}:${m[2]}`, "path");
      } catch (e) {
        throw new ArchiveEntryError(raw, `a file under blobs/ must be named by its digest: ${(e as Error).message}`, { cause: e });
      }
    }
    this.stored.set(name, await ingestEntry(store, raw, body, digest === undefined ? { size } : { digest, size }));
  }
}

async function drain(body: AsyncIterable<Uint8Array>): Promise<void> {
  for await (const _ of body) {
    // Discard: the tar must be read past this entry.
  }
}
