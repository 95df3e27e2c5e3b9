import { spawn } from "node:child_process";
import { createReadStream } from "node:fs";
import { open } from "node:fs/promises";
import type { Readable } from "node:stream";
import { createGunzip } from "node:zlib";

/** The compressed stream is corrupt, or its decoder failed or is missing (`isToolMissing`). */
export class DecompressError extends Error {
  constructor(message: string, readonly isToolMissing = false, opts?: ErrorOptions) {
    super(message, opts);
  }
}

/** How an ADD source is compressed, told by its first bytes as docker's DetectCompression does (never by its name). */
export type ArchiveCompression = "none" | "gzip" | "bzip2" | "xz";

const MAGIC: readonly (readonly [ArchiveCompression, readonly number[]])[] = [
  ["bzip2", [0x42, 0x5a, 0x68]],
  ["gzip", [0x1f, 0x8b, 0x08]],
  ["xz", [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]],
];

/**
 * The compression of `head` (a file's first bytes). zstd is not detected:
 * the docker builder ADD is compared with (20.10's) copies a .tar.zst as a
 * plain file, so berth does too.
 */
export function detectCompression(head: Uint8Array): ArchiveCompression {
  for (const [name, magic] of MAGIC) if (magic.every((b, i) => head[i] === b)) return name;
  return "none";
}

/** The compression of the file at `path`, from its first 6 bytes. */
export async function fileCompression(path: string): Promise<ArchiveCompression> {
  const fh = await open(path, "r");
  try {
    const head = Buffer.alloc(6);
    const { bytesRead } = await fh.read(head, 0, 6, 0);
    return detectCompression(head.subarray(0, bytesRead));
  } finally {
    await fh.close();
  }
}

/**
 * The decompressed bytes of the file at `path`. gzip by Node's zlib;
 * bzip2 and xz by Debian's `bzip2 -dc` and `xz -dcq` (Node has neither
 * decoder; docker runs `xz` too), fed the file directly and read as a
 * stream, so an archive of any size takes little memory. A decoder that
 * fails, or is missing, throws at the end of the stream (or at once), with
 * its stderr, as DecompressError (so does corrupt gzip). Stopping early
 * (breaking out of the loop) stops the decoder.
 */
export async function* decompressedFile(path: string, compression: ArchiveCompression, signal?: AbortSignal): AsyncGenerator<Buffer> {
  if (compression === "none" || compression === "gzip") {
    const file = createReadStream(path, { highWaterMark: 1 << 20, ...(signal && { signal }) });
    const stream: Readable = compression === "gzip" ? file.pipe(createGunzip({ chunkSize: 256 << 10 })) : file;
    if (compression === "gzip") file.on("error", (e) => stream.destroy(e));
    try {
      for await (const chunk of stream) yield chunk as Buffer;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (typeof code === "string" && code.startsWith("Z_")) throw new DecompressError(`gzip: ${(e as Error).message}`, false, { cause: e });
      throw e;
    } finally {
      file.destroy();
      stream.destroy();
    }
    return;
  }
  yield* runDecoder(path, compression === "bzip2" ? ["bzip2", ["-dc"]] : ["xz", ["-dcq"]], signal);
}

async function* runDecoder(path: string, [program, args]: [string, string[]], signal: AbortSignal | undefined): AsyncGenerator<Buffer> {
  const input = await open(path, "r");
  const child = spawn(program, args, { stdio: [input.fd, "pipe", "pipe"], ...(signal && { signal }) });
  const { stdout, stderr: errors } = child;
  if (stdout === null || errors === null) throw new Error(`${program}: no pipes`);
  let stderr = "";
  errors.on("data", (c: Buffer) => (stderr = (stderr + c.toString()).slice(-2000)));
  const exited = new Promise<number | null>((resolve, reject) => {
    child.once("error", (e) => reject(new DecompressError(`cannot run ${program} (apt-get install ${program === "xz" ? "xz-utils" : "bzip2"}): ${e.message}`, true)));
    child.once("close", (code) => resolve(code));
  });
  exited.catch(() => undefined); // awaited below; this keeps an early failure from being unhandled
  let finished = false;
  try {
    for await (const chunk of stdout) yield chunk as Buffer;
    const code = await exited;
    finished = true;
    if (code !== 0) throw new DecompressError(`${program} failed: ${stderr.trim() || `exit ${code}`}`);
  } finally {
    if (!finished && child.exitCode === null) child.kill("SIGKILL");
    await exited.catch(() => undefined);
    await input.close();
  }
}
