import { ByteSource } from "./byte-source.js";
import {
  BLOCK, cString, decodeHeader, isZeroBlock, parsePax, parsePaxInteger, parsePaxTime, TarHeaderError, type RawHeader,
} from "./tar-header.js";
import { LayerEntryError, LayerFormatError } from "./unpack-errors.js";

/** What an entry is; tar's other kinds (sparse, contiguous, volume labels) are refused. */
export type TarEntryType = "file" | "link" | "symlink" | "char" | "block" | "directory" | "fifo";

/** One entry of a tar stream, with pax and GNU long-name records applied. */
export interface TarEntry {
  /** As written in the archive: not cleaned, maybe absolute, maybe with `..`. */
  readonly name: string;
  readonly type: TarEntryType;
  /** Permission bits with setuid, setgid and sticky (07777). */
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  /** Bytes of data; 0 for every type but `file`. */
  readonly size: number;
  /** Milliseconds since the epoch (pax times keep their fraction). */
  readonly mtime: number;
  readonly atime: number | undefined;
  /** Target of a `link` or `symlink`. */
  readonly linkname: string;
  readonly devmajor: number;
  readonly devminor: number;
  /** `SCHILY.xattr.<name>` pax records: extended attributes, values as bytes. */
  readonly xattrs: ReadonlyMap<string, Buffer>;
  /** The data, once, before the next entry is asked for; what is not read is skipped. */
  body(): AsyncIterable<Buffer>;
}

/** Options for {@link readTar}. */
export interface TarReaderOptions {
  /** Names the stream in errors, e.g. the layer digest. */
  readonly layer: string;
  /** Longest name or link target accepted, in bytes; default 4096 (Linux PATH_MAX). */
  readonly maxPathBytes?: number;
}

/** Pax and GNU long-name records are read into memory; Go's archive/tar caps them at 1 MiB too. */
const MAX_SPECIAL = 1 << 20;
const TYPES: Record<string, TarEntryType> = {
  "0": "file", "1": "link", "2": "symlink", "3": "char", "4": "block", "5": "directory", "6": "fifo",
};
const utf8 = new TextDecoder("utf-8", { fatal: true });

interface Pending {
  pax: Map<string, Buffer> | undefined;
  longName: Buffer | undefined;
  longLink: Buffer | undefined;
}

/**
 * Read a tar stream entry by entry, as Go's archive/tar does: ustar, pax
 * (per-file records; global ones are read and ignored, as containerd ignores
 * them), GNU long names and base-256 numbers. It stops at the end-of-archive
 * marker (or a clean end of stream between entries) without reading further,
 * so the caller can drain and hash the rest.
 *
 * Throws LayerFormatError for a corrupt or truncated stream and
 * LayerEntryError, naming the entry, for one it will not return: a name or
 * link target that is not UTF-8 or longer than `maxPathBytes`, a sparse or
 * unknown type, a size beyond 2^53.
 */
export async function* readTar(source: AsyncIterator<Uint8Array>, opts: TarReaderOptions): AsyncGenerator<TarEntry> {
  const src = new ByteSource(source);
  const maxPath = opts.maxPathBytes ?? 4096;
  let offset = 0;
  let unread = 0;
  let pending: Pending = { pax: undefined, longName: undefined, longLink: undefined };
  const truncated = (what: string): LayerFormatError =>
    new LayerFormatError(opts.layer, `tar stream ends in the middle of ${what} (truncated)`);

  for (;;) {
    if ((await src.skip(unread)) < unread) throw truncated("an entry's data");
    offset += unread;
    // Skipped once: a pax or long-name header next loops back here with nothing left to skip.
    unread = 0;
    const block = await src.read(BLOCK);
    if (block.length === 0) return;
    if (block.length < BLOCK) throw truncated("a header");
    if (isZeroBlock(block)) {
      const second = await src.read(BLOCK);
      if (second.length === 0 || (second.length === BLOCK && isZeroBlock(second))) return;
      throw new LayerFormatError(opts.layer, `tar: a zero block at offset ${offset} is followed by data, not the end-of-archive marker`);
    }
    let raw: RawHeader;
    try {
      raw = decodeHeader(block);
    } catch (e) {
      if (e instanceof TarHeaderError) throw new LayerFormatError(opts.layer, `tar header at offset ${offset}: ${e.message}`);
      throw e;
    }
    offset += BLOCK;
    const padded = raw.size + ((BLOCK - (raw.size % BLOCK)) % BLOCK);
    if ("xgLK".includes(raw.typeflag)) {
      if (raw.size < 0 || raw.size > MAX_SPECIAL) {
        throw new LayerEntryError(opts.layer, raw.name.toString("latin1"), `${describeSpecial(raw.typeflag)} of ${raw.size} bytes is larger than ${MAX_SPECIAL} bytes`);
      }
      const data = await src.read(raw.size);
      if (data.length < raw.size || (await src.skip(padded - raw.size)) < padded - raw.size) throw truncated(describeSpecial(raw.typeflag));
      offset += padded;
      pending = applySpecial(pending, raw.typeflag, data, opts.layer, offset);
      continue;
    }
    const entry = makeEntry(raw, pending, opts.layer, maxPath);
    pending = { pax: undefined, longName: undefined, longLink: undefined };
    let left = entry.size;
    unread = entry.size + ((BLOCK - (entry.size % BLOCK)) % BLOCK);
    let bodyTaken = false;
    let current = true;
    const body = async function* (): AsyncGenerator<Buffer> {
      if (bodyTaken || !current) throw new Error(`tar entry ${entry.name}: body() read twice or after the next entry`);
      bodyTaken = true;
      while (left > 0) {
        const chunk = await src.readSome(left);
        if (chunk.length === 0) throw truncated(`the data of entry ${JSON.stringify(entry.name)}`);
        left -= chunk.length;
        unread -= chunk.length;
        offset += chunk.length;
        yield chunk;
      }
    };
    yield { ...entry, body };
    current = false;
  }
}

function describeSpecial(typeflag: string): string {
  return typeflag === "x" ? "a pax header" : typeflag === "g" ? "a pax global header" : "a GNU long name";
}

function applySpecial(pending: Pending, typeflag: string, data: Buffer, layer: string, offset: number): Pending {
  try {
    switch (typeflag) {
      case "x":
        return { ...pending, pax: parsePax(data) };
      case "g":
        parsePax(data); // checked, then ignored as containerd ignores global headers
        return pending;
      case "L":
        return { ...pending, longName: Buffer.from(cString(data)) };
      default:
        return { ...pending, longLink: Buffer.from(cString(data)) };
    }
  } catch (e) {
    if (e instanceof TarHeaderError) throw new LayerFormatError(layer, `tar ${describeSpecial(typeflag)} before offset ${offset}: ${e.message}`);
    throw e;
  }
}

function makeEntry(raw: RawHeader, pending: Pending, layer: string, maxPath: number): Omit<TarEntry, "body"> {
  const pax = pending.pax ?? new Map<string, Buffer>();
  const nameBytes = pax.get("path") ?? pending.longName ?? raw.name;
  const shownName = nameBytes.toString("utf8");
  const fail = (reason: string): LayerEntryError => new LayerEntryError(layer, shownName, reason);
  const name = decodePath(nameBytes, "name", maxPath, fail);
  const linkname = decodePath(pax.get("linkpath") ?? pending.longLink ?? raw.linkname, "link target", maxPath, fail);
  const type = raw.typeflag === "\0" ? (name.endsWith("/") ? "directory" : "file") : TYPES[raw.typeflag];
  if (type === undefined) {
    const what = raw.typeflag === "S" ? "a GNU sparse file" : `tar type ${JSON.stringify(raw.typeflag)}`;
    throw fail(`${what} is not supported`);
  }
  if ([...pax.keys()].some((k) => k.startsWith("GNU.sparse."))) throw fail("a pax sparse file is not supported");
  const text = (key: string): string | undefined => pax.get(key)?.toString("utf8");
  try {
    const paxSize = text("size");
    const size = type === "file" ? (paxSize !== undefined ? parsePaxInteger(paxSize, "size") : raw.size) : 0;
    if (size < 0) throw fail(`size ${size} is negative`);
    const uidText = text("uid");
    const gidText = text("gid");
    const mtimeText = text("mtime");
    const atimeText = text("atime");
    const xattrs = new Map<string, Buffer>();
    for (const [key, value] of pax) if (key.startsWith("SCHILY.xattr.")) xattrs.set(key.slice("SCHILY.xattr.".length), value);
    if (raw.uid < 0 || raw.gid < 0) throw fail(`uid ${raw.uid} or gid ${raw.gid} is negative`);
    return {
      name, type, linkname, xattrs, size,
      mode: raw.mode & 0o7777,
      uid: uidText !== undefined ? parsePaxInteger(uidText, "uid") : raw.uid,
      gid: gidText !== undefined ? parsePaxInteger(gidText, "gid") : raw.gid,
      mtime: mtimeText !== undefined ? parsePaxTime(mtimeText, "mtime") : raw.mtime * 1000,
      atime: atimeText !== undefined ? parsePaxTime(atimeText, "atime") : undefined,
      devmajor: raw.devmajor,
      devminor: raw.devminor,
    };
  } catch (e) {
    if (e instanceof TarHeaderError) throw fail(e.message);
    throw e;
  }
}

function decodePath(bytes: Buffer, what: string, max: number, fail: (reason: string) => LayerEntryError): string {
  if (bytes.length > max) throw fail(`${what} is ${bytes.length} bytes, longer than ${max} (PATH_MAX)`);
  if (bytes.includes(0)) throw fail(`${what} contains a NUL byte`);
  try {
    return utf8.decode(bytes);
  } catch {
    throw fail(`${what} is not valid UTF-8`);
  }
}
