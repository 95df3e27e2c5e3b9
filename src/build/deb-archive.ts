import { gunzipSync } from "node:zlib";
import { decompress as zstdDecompress } from "fzstd";
import { extract as tarExtract, type Header } from "tar-stream";
import { Readable } from "node:stream";
import { BadPackageError } from "./errors.js";
import { unxz } from "./xz-decompress.js";

/** One entry of a .deb's data or control tar, with its bytes for regular files. */
export interface DebEntry {
  readonly path: string;
  readonly type: "file" | "directory" | "symlink" | "link" | "other";
  readonly mode: number;
  readonly linkname?: string;
  readonly data?: Buffer;
}

/** The parts of a .deb that berth installs: the control file and the data tar's entries. */
export interface DebContents {
  /** The `control` file of control.tar (the package's stanza). */
  readonly control: string;
  /** The `md5sums` file, when the package has one. */
  readonly md5sums?: string;
  readonly data: readonly DebEntry[];
}

// Uncompressed data.tar of the largest Debian packages stays far below this.
const MAX_MEMBER_BYTES = 2 ** 31 - 1;

/** The members of an `ar` archive (the .deb container), in order. Throws BadPackageError naming `file`. */
export function readArMembers(buf: Buffer, file: string): { name: string; data: Buffer }[] {
  if (buf.subarray(0, 8).toString("latin1") !== "!<arch>\n") throw new BadPackageError(file, "not an ar archive (bad magic)");
  const out: { name: string; data: Buffer }[] = [];
  let off = 8;
  while (off < buf.length) {
    if (off + 60 > buf.length) throw new BadPackageError(file, `truncated ar header at byte ${off}`);
    const h = buf.subarray(off, off + 60).toString("latin1");
    if (h.slice(58, 60) !== "`\n") throw new BadPackageError(file, `bad ar header at byte ${off}`);
    const name = h.slice(0, 16).trim().replace(/\/$/, "");
    const size = Number(h.slice(48, 58).trim());
    if (!Number.isSafeInteger(size) || size < 0 || off + 60 + size > buf.length) throw new BadPackageError(file, `ar member ${JSON.stringify(name)} has a bad size`);
    out.push({ name, data: buf.subarray(off + 60, off + 60 + size) });
    off += 60 + size + (size % 2);
  }
  return out;
}

/** Decompress a `*.tar[.xz|.zst|.gz]` member by its name's suffix. */
async function untar(name: string, data: Buffer, file: string): Promise<Buffer> {
  try {
    if (name.endsWith(".tar")) return data;
    if (name.endsWith(".tar.xz")) return await unxz(data, file, MAX_MEMBER_BYTES);
    if (name.endsWith(".tar.zst")) return Buffer.from(zstdDecompress(data));
    if (name.endsWith(".tar.gz")) return gunzipSync(data, { maxOutputLength: MAX_MEMBER_BYTES });
  } catch (e) {
    if (e instanceof BadPackageError) throw e;
    throw new BadPackageError(file, `${name}: cannot decompress: ${(e as Error).message}`);
  }
  throw new BadPackageError(file, `${name}: unknown compression`);
}

const TYPES: Partial<Record<NonNullable<Header["type"]>, DebEntry["type"]>> = {
  file: "file", "contiguous-file": "file", directory: "directory", symlink: "symlink", link: "link",
};

/** The entries of a tar held in memory, paths as written (`./usr/bin/x`). */
export async function readTarEntries(tar: Buffer, file: string): Promise<DebEntry[]> {
  const out: DebEntry[] = [];
  const ex = tarExtract();
  const done = new Promise<void>((resolve, reject) => {
    ex.on("entry", (h, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on("data", (c: unknown) => {
        chunks.push(c as Buffer);
      });
      stream.on("end", () => {
        const type = TYPES[h.type ?? "file"] ?? "other";
        out.push({ path: h.name, type, mode: (h.mode ?? 0o644) & 0o7777, ...(h.linkname && { linkname: h.linkname }), ...(type === "file" && { data: Buffer.concat(chunks) }) });
        next();
      });
      stream.on("error", reject);
    });
    ex.on("finish", resolve);
    ex.on("error", (e) => reject(new BadPackageError(file, `bad tar: ${e.message}`)));
  });
  Readable.from([tar]).pipe(ex);
  await done;
  return out;
}

/**
 * Read a .deb: `debian-binary` (format 2.0), `control.tar[.*]`, `data.tar[.*]`
 * (xz, zstd, gzip or none). Entries are returned as written; path safety is
 * checked where they are placed (RootfsTree). Throws BadPackageError naming `file`.
 */
export async function readDeb(buf: Buffer, file: string): Promise<DebContents> {
  const members = readArMembers(buf, file);
  if (members[0]?.name !== "debian-binary" || !members[0].data.toString("latin1").startsWith("2.")) {
    throw new BadPackageError(file, "first member is not debian-binary 2.x");
  }
  const control = members.find((m) => m.name.startsWith("control.tar"));
  const data = members.find((m) => m.name.startsWith("data.tar"));
  if (!control || !data) throw new BadPackageError(file, "missing control.tar or data.tar member");
  const controlEntries = await readTarEntries(await untar(control.name, control.data, file), file);
  const find = (n: string): string | undefined => controlEntries.find((e) => e.path.replace(/^\.\//, "") === n && e.data)?.data?.toString("utf8");
  const controlText = find("control");
  if (controlText === undefined) throw new BadPackageError(file, "control.tar has no control file");
  const md5sums = find("md5sums");
  return { control: controlText, ...(md5sums !== undefined && { md5sums }), data: await readTarEntries(await untar(data.name, data.data, file), file) };
}
