import { spawn } from "node:child_process";
import { createHash, randomUUID } from "node:crypto";
import { closeSync, constants, lstatSync, openSync, readdirSync, readlinkSync, readSync, type Stats } from "node:fs";
import { open } from "node:fs/promises";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import type { BlobIngester, BlobWriter } from "../../content/index.js";
import { BerthError, MediaType, parseDigest } from "../../oci/index.js";
import { GZIP_LEVEL, type WrittenLayer } from "../layer-writer.js";
import { TAR_END, tarPadding, ustarHeader } from "../ustar-header.js";

/** Options for {@link writeUpperDirLayer}. */
export interface UpperDirLayerOptions {
  /** Clamp mtimes to at most this many seconds since the epoch (SOURCE_DATE_EPOCH); default keep them. */
  readonly epochSeconds?: number;
  readonly signal?: AbortSignal;
}

/** A layer made from an overlay upper dir, with what its snapshot needs. */
export interface UpperDirLayer extends WrittenLayer {
  /** Directories that hide the layers below (`trusted.overlay.opaque=y`), relative, sorted. */
  readonly opaqueDirs: readonly string[];
}

/** Something in a step's upper dir that cannot go into a layer. */
export class UpperDirEntryError extends BerthError {
  constructor(readonly path: string, detail: string, hint: string) {
    super("INVALID_ARGUMENT", `step output ${JSON.stringify(path)}: ${detail}`, { hint });
  }
}

type Kind = "file" | "link" | "symlink" | "char" | "block" | "directory" | "fifo";

interface Item {
  /** Tar path, relative, no trailing slash; the sort key. */
  readonly name: string;
  /** Path in the upper dir it comes from (a whiteout's device, an opaque marker's directory). */
  readonly path: string;
  kind: Kind;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly mtime: number;
  size: number;
  linkname?: string;
  readonly major?: number;
  readonly minor?: number;
  readonly xattrs: readonly (readonly [string, Buffer])[];
  /** `dev:ino` of a non-directory with more than one link. */
  readonly inode?: string;
}

const OPAQUE_XATTR = "trusted.overlay.opaque";
const WHITEOUT_PREFIX = ".wh.";
const OPAQUE_MARKER = ".wh..wh..opq";
const USTAR_FLAG: Record<Kind, "0" | "1" | "2" | "5"> = { file: "0", link: "1", symlink: "2", directory: "5", char: "0", block: "0", fifo: "0" };
const SPECIAL_FLAG: Partial<Record<Kind, string>> = { char: "3", block: "4", fifo: "6" };
const BLOCK = 512;
const MAX_OCTAL_SIZE = 0o77777777777;
const MAX_OCTAL_ID = 0o7777777;
const READ_CHUNK = 512 * 1024;
const SMALL_FILE = 256 * 1024;
const BATCH = 256 * 1024;
const MAX_ENTRIES = 10_000_000;

/**
 * Turn a step's overlay upper dir into one gzip layer in `ingester`, as
 * docker's overlay2 diff does: a 0/0 character device (whiteout) becomes an
 * empty `.wh.<name>` (mode 0600), a directory with trusted.overlay.opaque=y
 * is followed by `<dir>/.wh..wh..opq`; modes, owners, mtimes (whole
 * seconds, clamped to `epochSeconds` when given), symlinks, device nodes and
 * fifos are kept, sockets skipped; an inode met again is a hard link to the
 * first path in sort order; xattrs except trusted.overlay.* become
 * `SCHILY.xattr.` pax records. Entries are sorted by path bytes and file
 * data is streamed from disk, so the same upper dir gives the same bytes and
 * memory stays flat. Needs getfattr (Debian package attr). Throws
 * UpperDirEntryError for a name a layer cannot carry (`.wh.*`, not UTF-8).
 */
export async function writeUpperDirLayer(upperDir: string, ingester: BlobIngester, opts: UpperDirLayerOptions = {}): Promise<UpperDirLayer> {
  const upper = resolve(upperDir);
  // getfattr walks the tree while this process does: each takes seconds on a big step.
  const reading = readXattrs(upper);
  reading.catch(() => undefined);
  const collected = withXattrs(await collect(upper, opts), await reading);
  const items = collected.items.map((it) => ({ it, key: Buffer.from(it.name) })).sort((a, b) => Buffer.compare(a.key, b.key)).map((k) => k.it);
  linkHardLinks(items);
  const diff = createHash("sha256");
  let raw = 0;
  async function* hashed(): AsyncGenerator<Buffer> {
    for await (const chunk of tarStream(upper, items, opts.signal)) {
      diff.update(chunk);
      raw += chunk.length;
      yield chunk;
    }
  }
  const writer = await ingester.writer(`build-layer:${randomUUID()}`);
  try {
    await pipeline(Readable.from(hashed()), createGzip({ level: GZIP_LEVEL }), into(writer));
    const info = await writer.commit();
    return {
      descriptor: { mediaType: MediaType.OciLayerGzip, digest: info.digest, size: info.size },
      diffId: parseDigest(`sha256:${diff.digest("hex")}`),
      uncompressedSize: raw,
      opaqueDirs: collected.opaqueDirs,
    };
  } catch (e) {
    await writer.abort().catch(() => undefined);
    throw e;
  }
}

const into = (writer: BlobWriter): Writable => new Writable({
  write(chunk: Buffer, _enc, cb) {
    writer.write(chunk).then(() => cb(), cb);
  },
});

/**
 * Walk the upper dir (not its root) into tar items, unsorted. A directory at
 * a time with synchronous calls (microseconds each on the page cache; an
 * awaited lstat per file was most of the time), yielding to the event loop
 * between directories.
 */
async function collect(upper: string, opts: UpperDirLayerOptions): Promise<Item[]> {
  const items: Item[] = [];
  for (const todo = [""]; todo.length > 0;) {
    opts.signal?.throwIfAborted();
    await new Promise((resolve) => setImmediate(resolve));
    const dir = todo.pop()!;
    for (const raw of readdirSync(join(upper, dir), { encoding: "buffer" })) {
      const name = utf8Name(raw, dir);
      const path = dir === "" ? name : `${dir}/${name}`;
      const st = lstatSync(join(upper, path));
      if (st.isDirectory()) todo.push(path);
      const item = itemOf(upper, path, st, opts.epochSeconds);
      if (item !== undefined) items.push(item);
    }
    if (items.length > MAX_ENTRIES) throw new UpperDirEntryError(dir, `more than ${MAX_ENTRIES} entries`, "split the step");
  }
  return items;
}

/**
 * Each item with its xattrs (trusted.overlay.* dropped, names sorted), and
 * after each opaque directory its `.wh..wh..opq` marker (mode of the
 * directory's permission bits, as docker).
 */
function withXattrs(items: readonly Item[], xattrs: ReadonlyMap<string, Map<string, Buffer>>): { items: Item[]; opaqueDirs: string[] } {
  const out: Item[] = [];
  const opaqueDirs: string[] = [];
  for (const it of items) {
    const attrs = it.name === it.path ? xattrs.get(it.path) : undefined;
    const kept = [...(attrs ?? [])].filter(([n]) => !n.startsWith("trusted.overlay.")).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    out.push(kept.length > 0 ? { ...it, xattrs: kept } : it);
    if (it.kind === "directory" && attrs?.get(OPAQUE_XATTR)?.toString() === "y") {
      opaqueDirs.push(it.path);
      out.push({ ...it, name: `${it.path}/${OPAQUE_MARKER}`, kind: "file", mode: it.mode & 0o777 });
    }
  }
  return { items: out, opaqueDirs: opaqueDirs.sort() };
}

/** The tar item of one upper-dir entry, without xattrs; none for a socket. */
function itemOf(upper: string, path: string, st: Stats, epoch: number | undefined): Item | undefined {
  const slash = path.lastIndexOf("/");
  const base = path.slice(slash + 1);
  if (base.startsWith(WHITEOUT_PREFIX)) {
    throw new UpperDirEntryError(path, "names starting with .wh. mark deletions in a layer", "rename the file: the step must not create names starting with .wh.");
  }
  const mtime = Math.max(0, Math.min(Math.floor(st.mtimeMs / 1000), epoch ?? Infinity));
  const common = { name: path, path, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtime, size: 0, xattrs: [] };
  // Inode numbers may pass 2^53: the few with several links are read again as bigints, so two never collide.
  const linked = st.nlink > 1 && !st.isDirectory() ? { ...common, inode: inodeOf(join(upper, path)) } : common;
  if (st.isDirectory()) return { ...common, kind: "directory" };
  if (st.isCharacterDevice() && st.rdev === 0) return { ...common, name: `${path.slice(0, slash + 1)}${WHITEOUT_PREFIX}${base}`, kind: "file", mode: 0o600 };
  if (st.isFile()) return { ...linked, kind: "file", size: st.size };
  if (st.isSymbolicLink()) return { ...linked, kind: "symlink", linkname: utf8Name(readlinkSync(join(upper, path), { encoding: "buffer" }), path) };
  if (st.isCharacterDevice() || st.isBlockDevice()) return { ...linked, kind: st.isCharacterDevice() ? "char" : "block", ...deviceNumbers(st.rdev) };
  if (st.isFIFO()) return { ...linked, kind: "fifo" };
  // Sockets are skipped, as by docker and GNU tar: they mean nothing without their process.
  return undefined;
}

function utf8Name(raw: Buffer, where: string): string {
  const name = raw.toString("utf8");
  if (!Buffer.from(name, "utf8").equals(raw)) {
    throw new UpperDirEntryError(`${where}/${raw.toString("latin1")}`, "name or link target is not UTF-8", "use UTF-8 file names: image layers carry names as UTF-8");
  }
  return name;
}

/** Linux's `major()`/`minor()` of a dev_t. */
function deviceNumbers(rdev: number): { major: number; minor: number } {
  const dev = BigInt(rdev);
  return {
    major: Number(((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn)),
    minor: Number((dev & 0xffn) | ((dev >> 12n) & ~0xffn)),
  };
}

const inodeOf = (path: string): string => {
  const st = lstatSync(path, { bigint: true });
  return `${st.dev}:${st.ino}`;
};

/** Every later path of an inode becomes a hard link to its first one (both are in this layer). */
function linkHardLinks(items: Item[]): void {
  const first = new Map<string, string>();
  for (const it of items) {
    if (it.inode === undefined) continue;
    const target = first.get(it.inode);
    if (target === undefined) {
      first.set(it.inode, it.name);
    } else {
      it.kind = "link";
      it.linkname = target;
      it.size = 0;
    }
  }
}

/**
 * The tar bytes, in chunks of at least {@link BATCH} bytes: one zlib call
 * per header or small file cost more than the compression itself. Files up
 * to {@link SMALL_FILE} are read with synchronous calls, which on the page
 * cache take microseconds where an awaited call costs a thread-pool round
 * trip; larger ones are streamed.
 */
async function* tarStream(upper: string, items: readonly Item[], signal: AbortSignal | undefined): AsyncGenerator<Buffer> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const add = (b: Buffer): void => {
    pending.push(b);
    pendingBytes += b.length;
  };
  const take = (): Buffer => {
    const out = Buffer.concat(pending, pendingBytes);
    pending = [];
    pendingBytes = 0;
    return out;
  };
  for (const it of items) {
    signal?.throwIfAborted();
    add(headerOf(it));
    const size = it.kind === "file" ? it.size : 0;
    if (size > 0 && size <= SMALL_FILE) add(readSmall(join(upper, it.path), size, it.name));
    if (size > SMALL_FILE) {
      yield take();
      yield* fileData(join(upper, it.path), size, it.name);
    }
    if (size > 0) add(tarPadding(size));
    if (pendingBytes >= BATCH) yield take();
  }
  add(TAR_END);
  yield take();
}

/** Open without following a symlink put in the file's place, so a read never leaves the upper dir. */
const READ_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW;
const shrank = (name: string, at: number, size: number): UpperDirEntryError =>
  new UpperDirEntryError(name, `shrank to ${at} bytes while being read (${size} expected)`, "make sure no process of the step is left running");

function readSmall(path: string, size: number, name: string): Buffer {
  const fd = openSync(path, READ_FLAGS);
  try {
    const buf = Buffer.allocUnsafe(size);
    for (let at = 0; at < size;) {
      const n = readSync(fd, buf, at, size - at, at);
      if (n === 0) throw shrank(name, at, size);
      at += n;
    }
    return buf;
  } finally {
    closeSync(fd);
  }
}

/** Exactly `size` bytes of the file, in fresh chunks (downstream keeps them). */
async function* fileData(path: string, size: number, name: string): AsyncGenerator<Buffer> {
  const fh = await open(path, READ_FLAGS);
  try {
    for (let at = 0; at < size;) {
      const buf = Buffer.allocUnsafe(Math.min(READ_CHUNK, size - at));
      const { bytesRead } = await fh.read(buf, 0, buf.length, at);
      if (bytesRead === 0) throw shrank(name, at, size);
      at += bytesRead;
      yield bytesRead === buf.length ? buf : buf.subarray(0, bytesRead);
    }
  } finally {
    await fh.close();
  }
}

/**
 * The header block(s) of one item. ustar-header.ts makes the ustar block and
 * the pax record of a long path; it knows only files, links, symlinks and
 * directories and no other pax records, so device and fifo types, device
 * numbers, and xattr / big size / big id records are added here, in one pax
 * header (a second would replace the first for Go's tar reader).
 */
function headerOf(it: Item): Buffer {
  const records: Buffer[] = [];
  const bigSize = it.size > MAX_OCTAL_SIZE;
  if (bigSize) records.push(paxRecord("size", String(it.size)));
  if (it.uid > MAX_OCTAL_ID) records.push(paxRecord("uid", String(it.uid)));
  if (it.gid > MAX_OCTAL_ID) records.push(paxRecord("gid", String(it.gid)));
  // A hard link's inode and xattrs are its target's, written with the target.
  for (const [name, value] of it.kind === "link" ? [] : it.xattrs) records.push(paxRecord(`SCHILY.xattr.${name}`, value));
  const made = ustarHeader({
    name: it.kind === "directory" ? `${it.name}/` : it.name, mode: it.mode, uid: Math.min(it.uid, MAX_OCTAL_ID), gid: Math.min(it.gid, MAX_OCTAL_ID),
    size: bigSize ? 0 : it.size, mtime: it.mtime, typeflag: USTAR_FLAG[it.kind], ...(it.linkname !== undefined && { linkname: it.linkname }),
  });
  let block = made.subarray(made.length - BLOCK);
  const special = SPECIAL_FLAG[it.kind];
  if (special !== undefined) block = retype(block, special, it.major ?? 0, it.minor ?? 0);
  const theirs = made.length > BLOCK ? [made.subarray(BLOCK, BLOCK + parseInt(made.toString("latin1", 124, 135), 8))] : [];
  if (theirs.length + records.length === 0) return block;
  const data = Buffer.concat([...theirs, ...records]);
  const pax = retype(ustarHeader({ name: "PaxHeader", mode: 0o644, uid: 0, gid: 0, size: data.length, mtime: it.mtime, typeflag: "0" }), "x");
  return Buffer.concat([pax, data, tarPadding(data.length), block]);
}

/** A copy of ustar `block` with another typeflag and device numbers, checksum redone. */
function retype(block: Buffer, typeflag: string, major = 0, minor = 0): Buffer {
  const b = Buffer.from(block);
  b.write(typeflag, 156, 1, "latin1");
  b.write(`${major.toString(8).padStart(7, "0")}\0`, 329, 8, "latin1");
  b.write(`${minor.toString(8).padStart(7, "0")}\0`, 337, 8, "latin1");
  b.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of b) sum += byte;
  b.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148, 8, "latin1");
  return b;
}

/** One pax record, `"<len> key=value\n"`, len counting its own digits; the value is bytes (xattrs are binary). */
function paxRecord(key: string, value: string | Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(` ${key}=`), Buffer.isBuffer(value) ? value : Buffer.from(value), Buffer.from("\n")]);
  let len = body.length + 1;
  while (String(len).length + body.length !== len) len++;
  return Buffer.concat([Buffer.from(String(len)), body]);
}

/**
 * Every xattr under `upper` (symlinks' own, not followed), keyed by path
 * relative to it, from one `getfattr --dump` run: Node has no getxattr.
 */
async function readXattrs(upper: string): Promise<Map<string, Map<string, Buffer>>> {
  const out = new Map<string, Map<string, Buffer>>();
  const child = spawn("getfattr", ["-R", "-h", "-d", "-m", "-", "-e", "hex", "--absolute-names", upper], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, LC_ALL: "C", PATH: `${process.env.PATH ?? ""}:/usr/bin:/bin:/usr/sbin:/sbin` },
  });
  const exited = new Promise<number | null>((res, rej) => {
    child.on("error", (e) => rej(new BerthError("FAILED_PRECONDITION", `getfattr: ${e.message}`, { hint: "install Debian's attr package: berth reads a step's xattrs with getfattr" })));
    child.on("close", res);
  });
  exited.catch(() => undefined); // awaited below, after the output is read
  const err: Buffer[] = [];
  child.stderr.on("data", (b: Buffer) => err.push(b));
  let current: Map<string, Buffer> | undefined;
  // latin1 keeps every byte; names are decoded from bytes below.
  for await (const line of createInterface({ input: child.stdout.setEncoding("latin1"), crlfDelay: Infinity })) {
    if (line.startsWith("# file: ")) {
      const abs = unescapeBytes(line.slice("# file: ".length));
      const rel = abs === upper ? "" : abs.startsWith(`${upper}/`) ? abs.slice(upper.length + 1) : undefined;
      current = rel === undefined ? undefined : new Map();
      if (rel !== undefined && current !== undefined) out.set(rel, current);
    } else if (current !== undefined && line.includes("=")) {
      const eq = line.indexOf("=");
      const value = line.slice(eq + 1);
      current.set(unescapeBytes(line.slice(0, eq)), value.startsWith("0x") ? Buffer.from(value.slice(2), "hex") : Buffer.from(value.replace(/^"|"$/g, ""), "latin1"));
    }
  }
  const code = await exited;
  if (code !== 0) throw new BerthError("INTERNAL", `getfattr -R ${upper}: exit ${code}: ${Buffer.concat(err).toString("utf8").trim()}`);
  return out;
}

/** getfattr's `\ooo` escapes back to bytes, then the bytes as UTF-8. */
const unescapeBytes = (s: string): string =>
  Buffer.from(s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))), "latin1").toString("utf8");
