/**
 * Decoding of tar headers (POSIX ustar and pax, GNU, V7), the subset that
 * Go's archive/tar reads and containerd relies on. Pure functions over
 * bytes; the streaming is in tar-reader.ts.
 */

export const BLOCK = 512;

/** A header block, decoded but not yet combined with pax or GNU long-name records. */
export interface RawHeader {
  readonly name: Buffer;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly size: number;
  readonly mtime: number;
  readonly typeflag: string;
  readonly linkname: Buffer;
  readonly devmajor: number;
  readonly devminor: number;
}

/** A header field that cannot be decoded; the reader turns it into a LayerFormatError. */
export class TarHeaderError extends Error {}

// Go tells formats apart by these (reader.go): "ustar\0" is ustar or pax whatever the version.
const USTAR_MAGIC = Buffer.from("ustar\x00", "latin1");
const GNU_MAGIC = Buffer.from("ustar  \x00", "latin1");

/** True for a block of 512 zero bytes (the end-of-archive marker is two of them). */
export function isZeroBlock(block: Buffer): boolean {
  for (let i = 0; i < BLOCK; i++) if (block[i] !== 0) return false;
  return true;
}

/**
 * Decode one 512-byte header block. Throws TarHeaderError on a bad checksum
 * or a number field that is not a number.
 */
export function decodeHeader(block: Buffer): RawHeader {
  const stored = parseNumber(block.subarray(148, 156), "checksum");
  if (!checksumMatches(block, stored)) throw new TarHeaderError("header checksum does not match (corrupt or not a tar)");
  const isUstar = block.subarray(257, 263).equals(USTAR_MAGIC);
  const isGnu = block.subarray(257, 265).equals(GNU_MAGIC);
  let name = cString(block.subarray(0, 100));
  // ustar (and pax) keep the start of long names in a prefix field; GNU uses those bytes for times.
  if (isUstar) {
    const prefix = cString(block.subarray(345, 500));
    if (prefix.length > 0) name = Buffer.concat([prefix, Buffer.from("/"), name]);
  }
  return {
    name,
    mode: parseNumber(block.subarray(100, 108), "mode"),
    uid: parseNumber(block.subarray(108, 116), "uid"),
    gid: parseNumber(block.subarray(116, 124), "gid"),
    size: parseNumber(block.subarray(124, 136), "size"),
    mtime: parseNumber(block.subarray(136, 148), "mtime"),
    typeflag: String.fromCharCode(block[156] ?? 0),
    linkname: cString(block.subarray(157, 257)),
    devmajor: isUstar || isGnu ? parseNumber(block.subarray(329, 337), "devmajor") : 0,
    devminor: isUstar || isGnu ? parseNumber(block.subarray(337, 345), "devminor") : 0,
  };
}

// Old tars summed signed bytes; Go accepts either sum, and so do we.
function checksumMatches(block: Buffer, stored: number): boolean {
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const b = i >= 148 && i < 156 ? 0x20 : block[i]!;
    unsigned += b;
    signed += b < 128 ? b : b - 256;
  }
  return stored === unsigned || stored === signed;
}

/** Bytes up to the first NUL. */
export function cString(field: Buffer): Buffer {
  const end = field.indexOf(0);
  return end === -1 ? field : field.subarray(0, end);
}

/**
 * A numeric field: octal text padded with spaces or NULs, or GNU base-256
 * (high bit of the first byte set, two's complement). Values beyond 2^53
 * cannot be counted exactly and are refused.
 */
export function parseNumber(field: Buffer, what: string): number {
  if (field.length > 0 && (field[0]! & 0x80) !== 0) return parseBase256(field, what);
  const text = field.toString("latin1").replace(/^[ \0]+|[ \0]+$/g, "");
  if (text === "") return 0;
  if (!/^[0-7]+$/.test(text)) throw new TarHeaderError(`${what} field is not an octal number: ${JSON.stringify(text)}`);
  const value = parseInt(text, 8);
  if (!Number.isSafeInteger(value)) throw new TarHeaderError(`${what} ${text} (octal) is too large`);
  return value;
}

function parseBase256(field: Buffer, what: string): number {
  // Two's complement: a negative value is stored inverted, so invert it back and take -x-1.
  const invert = (field[0]! & 0x40) !== 0 ? 0xff : 0;
  let x = 0n;
  for (let i = 0; i < field.length; i++) {
    let byte = field[i]! ^ invert;
    if (i === 0) byte &= 0x7f;
    x = (x << 8n) | BigInt(byte);
  }
  const n = invert === 0 ? x : -x - 1n;
  if (n > BigInt(Number.MAX_SAFE_INTEGER) || n < BigInt(Number.MIN_SAFE_INTEGER)) throw new TarHeaderError(`${what} (base-256) is too large`);
  return Number(n);
}

/**
 * Records of a pax extended header: `"%d %s=%s\n"`, the length counting the
 * whole record. Values stay bytes: `SCHILY.xattr.*` values are binary (file
 * capabilities). Throws TarHeaderError on a malformed record.
 */
export function parsePax(data: Buffer): Map<string, Buffer> {
  const records = new Map<string, Buffer>();
  let at = 0;
  while (at < data.length) {
    // GNU tar pads pax data with NULs in some versions; Go stops there too.
    if (data[at] === 0) break;
    const space = data.indexOf(0x20, at);
    const lengthText = space === -1 ? "" : data.toString("latin1", at, space);
    if (!/^[1-9][0-9]{0,9}$/.test(lengthText)) throw new TarHeaderError("pax record has no valid length");
    const length = parseInt(lengthText, 10);
    const end = at + length;
    if (end > data.length || data[end - 1] !== 0x0a || space + 1 >= end) throw new TarHeaderError("pax record length does not match its data");
    const record = data.subarray(space + 1, end - 1);
    const eq = record.indexOf(0x3d);
    if (eq <= 0) throw new TarHeaderError("pax record has no key=value");
    const key = record.toString("utf8", 0, eq);
    if (key.includes("\0")) throw new TarHeaderError("pax record key contains NUL");
    records.set(key, Buffer.from(record.subarray(eq + 1)));
    at = end;
  }
  return records;
}

/** A pax time, `seconds[.fraction]`, as milliseconds since the epoch. */
export function parsePaxTime(value: string, what: string): number {
  if (!/^-?[0-9]{1,15}(\.[0-9]*)?$/.test(value)) throw new TarHeaderError(`pax ${what} ${JSON.stringify(value)} is not a time`);
  return Math.trunc(Number(value) * 1000);
}

/** A pax decimal integer (size, uid, gid), non-negative and exact. */
export function parsePaxInteger(value: string, what: string): number {
  if (!/^[0-9]{1,16}$/.test(value)) throw new TarHeaderError(`pax ${what} ${JSON.stringify(value)} is not a non-negative integer`);
  const n = parseInt(value, 10);
  if (!Number.isSafeInteger(n)) throw new TarHeaderError(`pax ${what} ${value} is too large`);
  return n;
}
