import { InvalidArgumentError } from "../../oci/index.js";

/** One file to write into an archive or a layout directory. */
export interface ArchiveFile {
  /** Relative, `/`-separated, no `.` or `..` components: `blobs/sha256/<hex>`, `<hex>/layer.tar`. */
  readonly path: string;
  /** Exact size in bytes; a source that yields another count fails the write. */
  readonly size: number;
  /** Small files in memory; blobs opened when their turn comes. */
  readonly content: Uint8Array | (() => Promise<AsyncIterable<Uint8Array>>);
}

/** Options shared by the archive writers. */
export interface ArchiveWriteOptions {
  /**
   * Modification time of every entry. Default: SOURCE_DATE_EPOCH (from `env`)
   * when set, else the epoch, so the same images give the same bytes.
   */
  readonly mtime?: Date;
  /** Where SOURCE_DATE_EPOCH is read; default process.env. */
  readonly env?: NodeJS.ProcessEnv;
  /** End `out` when the archive is written (default true), as stream.pipe's `end`. */
  readonly end?: boolean;
  readonly signal?: AbortSignal;
}

/**
 * The time every entry gets: `opts.mtime`, else SOURCE_DATE_EPOCH (whole
 * seconds since 1970-01-01T00:00:00Z, as reproducible-builds.org defines it),
 * else the epoch. A malformed SOURCE_DATE_EPOCH throws InvalidArgumentError.
 */
export function archiveMtime(opts: Pick<ArchiveWriteOptions, "mtime" | "env"> = {}): Date {
  if (opts.mtime !== undefined) return opts.mtime;
  const raw = (opts.env ?? process.env).SOURCE_DATE_EPOCH;
  if (raw === undefined || raw === "") return new Date(0);
  if (!/^\d{1,12}$/.test(raw)) {
    throw new InvalidArgumentError(`SOURCE_DATE_EPOCH: should be the number of seconds since January 1st 1970, got ${JSON.stringify(raw)}`);
  }
  return new Date(Number(raw) * 1000);
}

/** The bytes of `file`, as an async iterable. */
export async function openFile(file: ArchiveFile): Promise<AsyncIterable<Uint8Array>> {
  const c = file.content;
  return c instanceof Uint8Array ? (async function* () { yield c; })() : c();
}
