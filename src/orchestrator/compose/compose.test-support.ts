import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { ComposeFileError } from "./compose-file-error.js";
import { loadComposeProject, type LoadComposeOptions } from "./load-compose-project.js";

// Helpers shared by the compose tests; not part of the layer's API.

/** Run `fn` in a fresh directory holding `files` (relative path → content); the directory is removed afterwards, also on failure. */
export async function inProject<T>(files: Record<string, string | Uint8Array>, fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), "berth-compose-"));
  try {
    for (const [name, text] of Object.entries(files)) {
      await mkdir(dirname(join(dir, name)), { recursive: true });
      await writeFile(join(dir, name), text);
    }
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Load the project in `dir` with an empty environment unless `opts` gives one. */
export const load = (dir: string, opts: LoadComposeOptions = {}) => loadComposeProject({ env: {}, workingDir: dir, ...opts });

/** Load one compose text in a fresh directory. */
export const loadText = (text: string, opts: LoadComposeOptions = {}) => inProject({ "compose.yaml": text }, (dir) => load(dir, opts));

/** Expect `p` to fail with a ComposeFileError at `want`'s place; every such error must carry a hint. */
export async function rejects(p: Promise<unknown>, want: { file?: string; path?: string; line?: number; match?: RegExp }): Promise<ComposeFileError> {
  let err: unknown;
  await p.then(() => assert.fail("loaded, expected an error"), (e: unknown) => { err = e; });
  assert.ok(err instanceof ComposeFileError, String(err));
  if (want.file !== undefined) assert.equal(err.file, want.file);
  if (want.path !== undefined) assert.equal(err.message.split(": ")[1], want.path, err.message);
  if (want.line !== undefined) assert.equal(err.line, want.line, err.message);
  if (want.match !== undefined) assert.match(err.message, want.match);
  assert.ok(err.hint !== undefined && err.hint !== "", `every compose error has a hint: ${err.message}`);
  return err;
}
