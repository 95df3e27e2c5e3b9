import { readFile, realpath } from "node:fs/promises";
import { run } from "./run.js";

/** Decode the octal escapes (`\040` for a space) that /proc/self/mountinfo uses in paths. */
const unescapeMountPath = (s: string): string =>
  s.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));

/**
 * Mount points at or below `dir` in this process's mount namespace, deepest
 * first (so each can be unmounted before its parent). Empty when /proc is unreadable.
 */
export async function mountsUnder(dir: string): Promise<string[]> {
  let info: string;
  try {
    info = await readFile("/proc/self/mountinfo", "utf8");
  } catch {
    return [];
  }
  const prefix = dir.endsWith("/") ? dir : `${dir}/`;
  const points = info.split("\n")
    .map((line) => line.split(" ")[4])
    .filter((p): p is string => p !== undefined)
    .map(unescapeMountPath)
    .filter((p) => p === dir || p.startsWith(prefix));
  return [...new Set(points)].sort((a, b) => b.length - a.length);
}

/**
 * Lazily unmount everything mounted at or below `dir` (dockerd leaves its
 * data root bind-mounted on itself, overlay2 `merged` dirs, netns files).
 * Must run before a recursive delete: `rm -r` crosses mount points. Stacked
 * mounts take several rounds; gives up after 10 and throws, naming what is left.
 * A no-op for non-root users, who cannot have mounted anything there.
 */
export async function unmountUnder(dir: string): Promise<void> {
  if (process.getuid?.() !== 0) return;
  let real: string;
  try {
    real = await realpath(dir);
  } catch {
    return;
  }
  for (let round = 0; round < 10; round++) {
    const points = await mountsUnder(real);
    if (points.length === 0) return;
    for (const point of points) {
      await run("umount", ["--lazy", point], { timeoutMs: 30_000 });
    }
  }
  const left = await mountsUnder(real);
  if (left.length > 0) throw new Error(`unmount under ${real}: still mounted after 10 rounds: ${left.join(", ")}`);
}
