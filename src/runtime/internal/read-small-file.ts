import { readFileSync } from "node:fs";

/**
 * A small file's text (state, pid and exit files, /proc and /etc files), or
 * undefined when it cannot be read. Synchronously: on a start's path each
 * read through the thread pool is a round trip that waits for a core on a
 * busy machine, where the read itself takes microseconds.
 */
export function readSmallFile(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}
