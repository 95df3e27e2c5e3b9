import { findProgram, runProgram } from "./system-tools.js";

/**
 * Flush every file written on the filesystem holding `path` to disk
 * (syncfs(2), through coreutils' `sync -f`, as Node has no syncfs). One
 * call after unpacking a layer costs less than an fsync per file and makes
 * the snapshot durable before it is renamed into place.
 */
export async function syncFilesystem(path: string): Promise<void> {
  const sync = findProgram("sync");
  if (sync === undefined) throw new Error("the sync program (coreutils) is not installed; it is needed to make snapshots durable");
  await runProgram(sync, ["-f", path]);
}
