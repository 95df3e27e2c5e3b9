import { readFile, realpath } from "node:fs/promises";
import { archiveCompression, extractArchive } from "./dockerfile/add-archive.js";

/** What `berth build -` got on stdin: a context archive (now in the directory) or a lone Dockerfile. */
export type StdinContext = { readonly kind: "archive"; readonly entries: number } | { readonly kind: "dockerfile"; readonly text: string };

/**
 * `docker build -`: stdin is either a tar of the context (plain, gzip,
 * bzip2 or xz, as ADD recognises archives: by content) or a Dockerfile with
 * no context. `file` holds what was read; an archive is extracted into
 * `dir` (an existing empty directory), each entry confined to it as ADD
 * confines them; otherwise the file's text is the Dockerfile and `dir`
 * stays an empty context. `signal` stops the extraction (what was written stays).
 */
export async function unpackStdinContext(file: string, dir: string, signal?: AbortSignal): Promise<StdinContext> {
  const compression = await archiveCompression(file);
  if (compression === undefined) return { kind: "dockerfile", text: await readFile(file, "utf8") };
  const { entries } = await extractArchive(file, compression, { root: await realpath(dir), name: "the context on stdin", ...(signal && { signal }) });
  return { kind: "archive", entries };
}
