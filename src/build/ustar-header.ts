/** What one tar entry needs for its header. */
export interface UstarFields {
  readonly name: string;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly size: number;
  readonly mtime: number;
  /** "0" file, "1" hard link, "2" symlink, "5" directory. */
  readonly typeflag: "0" | "1" | "2" | "5";
  readonly linkname?: string;
}

const BLOCK = 512;

function octal(buf: Buffer, off: number, width: number, n: number): void {
  buf.write(`${n.toString(8).padStart(width - 1, "0")}\0`, off, width, "latin1");
}

/** `name` as ustar's prefix (≤155 bytes) and name (≤100 bytes) split at a "/", or undefined when it cannot be split. */
function splitName(name: string): [string, string] | undefined {
  if (Buffer.byteLength(name) <= 100) return ["", name];
  for (let i = name.indexOf("/"); i > 0; i = name.indexOf("/", i + 1)) {
    const prefix = name.slice(0, i);
    const rest = name.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(rest) <= 100 && rest !== "") return [prefix, rest];
  }
  return undefined;
}

function block(f: UstarFields, typeflag: string, name: [string, string], linkname: string, size: number): Buffer {
  const b = Buffer.alloc(BLOCK);
  b.write(name[1], 0, 100, "utf8");
  octal(b, 100, 8, f.mode);
  octal(b, 108, 8, f.uid);
  octal(b, 116, 8, f.gid);
  octal(b, 124, 12, size);
  octal(b, 136, 12, f.mtime);
  b.write(typeflag, 156, 1, "latin1");
  b.write(linkname, 157, 100, "utf8");
  b.write("ustar\0" + "00", 257, 8, "latin1");
  octal(b, 329, 8, 0);
  octal(b, 337, 8, 0);
  b.write(name[0], 345, 155, "utf8");
  b.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of b) sum += byte;
  b.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148, 8, "latin1");
  return b;
}

/** One pax record, `"<len> key=value\n"`, where len counts its own digits, in bytes. */
function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let len = Buffer.byteLength(body) + 1;
  while (String(len).length + Buffer.byteLength(body) !== len) len++;
  return `${len}${body}`;
}

const pad = (n: number): Buffer => Buffer.alloc((BLOCK - (n % BLOCK)) % BLOCK);

/**
 * The header block(s) of one entry: plain ustar (UTF-8 names, as GNU tar and
 * Go write them) when the name fits ustar's prefix+name and the link target
 * its 100 bytes, else a pax `x` header carrying `path` / `linkpath` first.
 * User and group names stay empty, device numbers zero.
 */
export function ustarHeader(f: UstarFields): Buffer {
  const split = splitName(f.name);
  const linkname = f.linkname ?? "";
  const linkFits = Buffer.byteLength(linkname) <= 100;
  if (split && linkFits) return block(f, f.typeflag, split, linkname, f.size);
  const data = Buffer.from((split ? "" : paxRecord("path", f.name)) + (linkFits ? "" : paxRecord("linkpath", linkname)));
  const pax = block({ ...f, mode: 0o644 }, "x", ["", "PaxHeader"], "", data.length);
  const short = f.name.slice(-100);
  return Buffer.concat([pax, data, pad(data.length), block(f, f.typeflag, split ?? ["", short], linkFits ? linkname : "", f.size)]);
}

/** The NUL padding after `size` bytes of entry data. */
export const tarPadding = pad;

/** The end-of-archive marker: two zero blocks. */
export const TAR_END = Buffer.alloc(2 * BLOCK);
