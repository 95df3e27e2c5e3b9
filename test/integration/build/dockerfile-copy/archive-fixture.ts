/**
 * Tar archives for ADD tests, written byte for byte as given (no cleaning of
 * names, any owner, hostile entries included), and compressed by the real
 * tools: gzip by zlib, bzip2 and xz by Debian's programs.
 */
import { spawn } from "node:child_process";
import { buffer } from "node:stream/consumers";
import { gzipSync } from "node:zlib";
import { pack as tarPack, type Header } from "tar-stream";
import { run } from "../../../support/run.js";

/** One archive entry: a tar-stream header plus, for files, the content. */
export type ArchiveEntry = Partial<Header> & { readonly name: string; readonly content?: string | Buffer };

/** The mtime of archive entries unless given: 2001-09-09T01:46:40Z. */
export const ARCHIVE_EPOCH = 1_000_000_000;

/** An uncompressed tar of `entries`, in the order given; owners default to 1234:5678, modes to 0640 (so that keeping them shows). */
export async function makeTar(entries: readonly ArchiveEntry[]): Promise<Buffer> {
  const pack = tarPack();
  const collected = buffer(pack);
  for (const { content, ...h } of entries) {
    const header = { uid: 1234, gid: 5678, mode: 0o640, mtime: new Date(ARCHIVE_EPOCH * 1000), ...h };
    if (content === undefined) pack.entry(header);
    else pack.entry({ ...header, size: Buffer.byteLength(content) }, typeof content === "string" ? Buffer.from(content) : content);
  }
  pack.finalize();
  return collected;
}

/** `tar` compressed as named: gzip (zlib), bzip2 or xz (the Debian programs). */
export async function compress(tar: Buffer, how: "gzip" | "bzip2" | "xz"): Promise<Buffer> {
  if (how === "gzip") return gzipSync(tar);
  return new Promise((resolve, reject) => {
    const child = spawn(how, ["-c"], { stdio: ["pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    child.stdout.on("data", (c: Buffer) => out.push(c));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve(Buffer.concat(out)) : reject(new Error(`${how} -c exited ${code}`))));
    child.stdin.end(tar);
  });
}

/** True when the `bzip2` and `xz` programs run. */
export async function haveCompressors(): Promise<boolean> {
  for (const tool of ["bzip2", "xz"]) {
    const r = await run(tool, ["--version"], { timeoutMs: 10_000 }).catch(() => undefined);
    if (r?.code !== 0) return false;
  }
  return true;
}

/** A tree with files, a symlink, a hard link, a setuid file and a directory the archive does not list. */
export const NORMAL_ENTRIES: readonly ArchiveEntry[] = [
  { name: "top/", type: "directory", mode: 0o750 },
  { name: "top/f.txt", type: "file", content: "hello\n" },
  { name: "top/l", type: "symlink", linkname: "f.txt", mode: 0o777 },
  { name: "top/h", type: "link", linkname: "top/f.txt" },
  { name: "x/y/z", type: "file", content: "deep", mode: 0o4755 },
  { name: "ünï/nl\nname", type: "file", content: "", mode: 0o644 },
];

/** Names that climb out (`../`), absolute names and links: docker, chrooted in the destination, keeps all of them inside it. */
export const CLIMBING_ENTRIES: readonly ArchiveEntry[] = [
  { name: "../../escape1", type: "file", content: "e1" },
  { name: "/abs", type: "file", content: "abs" },
  { name: "./a/../../b", type: "file", content: "b" },
  { name: "alink", type: "symlink", linkname: "/etc/shadow", mode: 0o777 },
  { name: "rl", type: "symlink", linkname: "../../../../x", mode: 0o777 },
  { name: "inside", type: "symlink", linkname: "../../../../", mode: 0o777 },
  { name: "inside/through", type: "file", content: "through the link, inside the destination" },
];
