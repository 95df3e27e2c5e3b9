import { readFile, stat } from "node:fs/promises";
import { ComposeFileError } from "./compose-file-error.js";
import { MAX_COMPOSE_FILE_BYTES, parseComposeSource, type ComposeSource } from "./compose-source.js";
import { parseDotenv } from "./dotenv.js";
import type { VariableLookup } from "./interpolation.js";

/** Read and parse one compose file; refuses files that are missing, not regular files, too large, or not UTF-8. */
export async function readComposeSource(path: string): Promise<ComposeSource> {
  const info = await stat(path).catch((e: NodeJS.ErrnoException) => {
    throw new ComposeFileError({ file: path }, e.code === "ENOENT" ? "no such file" : `cannot read: ${e.code ?? e.message}`, { cause: e, hint: "check the -f path" });
  });
  if (!info.isFile()) throw new ComposeFileError({ file: path }, "not a regular file");
  if (info.size > MAX_COMPOSE_FILE_BYTES) {
    throw new ComposeFileError({ file: path }, `file is ${info.size} bytes, more than the ${MAX_COMPOSE_FILE_BYTES} a compose file may have`, { hint: "split it, or check that this is the right file" });
  }
  const bytes = await readFile(path);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch (e) {
    throw new ComposeFileError({ file: path }, "not UTF-8 text", { cause: e, hint: "save the file as UTF-8" });
  }
  return parseComposeSource(text, path);
}

/** Read a file's bytes, or undefined when it does not exist. Other errors are thrown. */
export async function readIfExists(path: string): Promise<Uint8Array | undefined> {
  try {
    return await readFile(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new ComposeFileError({ file: path }, `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { cause: e });
  }
}

/** The project's `.env` (empty when there is none), its `${VAR}`s resolved with `lookup` first, as compose does. */
export async function readProjectDotenv(path: string, lookup: VariableLookup): Promise<Record<string, string>> {
  const size = (await stat(path).catch(() => undefined))?.size ?? 0;
  if (size > MAX_COMPOSE_FILE_BYTES) throw new ComposeFileError({ file: path }, `${size} bytes is too large for an env file`, { hint: "a .env file holds a few KEY=value lines" });
  const bytes = await readIfExists(path);
  if (bytes === undefined) return {};
  return parseDotenv(bytes, { file: path, lookup });
}
