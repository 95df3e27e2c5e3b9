import type { Stats } from "node:fs";
import { mkdir, stat } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { ArchiveOutputError } from "./errors.js";

/**
 * Make the directory `dir` and its missing parents, one level at a time, for
 * a destination the user named (an `oci:DIR` layout). Not
 * `mkdir(dir, { recursive: true })`: where mkdir of a missing entry fails with
 * ENOENT although its parent exists (in /proc, say), Node's recursive mkdir
 * retries the parent and the child forever and never settles. Here each level
 * is tried once, so this ends after at most as many steps as `dir` has
 * components. An existing directory, or a symlink to one, is used as it is.
 * Throws ArchiveOutputError naming `dir` when something on the way is not a
 * directory or a level cannot be made.
 */
export async function makeOutputDirectory(dir: string): Promise<void> {
  const missing: string[] = [];
  for (let p = resolve(dir); ; p = dirname(p)) {
    const st = await statOrMissing(dir, p);
    if (st !== undefined) {
      if (!st.isDirectory()) {
        throw new ArchiveOutputError(dir, `${p} exists and is not a directory`, { hint: "remove it or choose another path" });
      }
      break;
    }
    missing.push(p);
    if (dirname(p) === p) break;
  }
  for (const p of missing.reverse()) {
    try {
      await mkdir(p, { mode: 0o755 });
    } catch (e) {
      // Made by someone else meanwhile: as good as made here.
      if ((e as NodeJS.ErrnoException).code === "EEXIST" && (await statOrMissing(dir, p))?.isDirectory() === true) continue;
      if ((e as NodeJS.ErrnoException).code === "ENOENT") {
        throw new ArchiveOutputError(dir, `cannot create directory ${p}: ${(e as Error).message}`, {
          cause: e, hint: `${dirname(p)} exists but takes no new directories (a virtual file system such as /proc?); choose another path`,
        });
      }
      throw ArchiveOutputError.fromSystemError(dir, e);
    }
  }
}

async function statOrMissing(dir: string, p: string): Promise<Stats | undefined> {
  try {
    return await stat(p);
  } catch (e) {
    // ENOTDIR: a file above; the walk up finds it and says so.
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw ArchiveOutputError.fromSystemError(dir, e);
  }
}
