import { createHash } from "node:crypto";
import { lstat, readdir, readFile, readlink } from "node:fs/promises";
import { join } from "node:path";

/**
 * One line per path below `root`: type, permission bits (with setuid/gid/
 * sticky), owner, and the link target or the content's sha256 — what the
 * parity tests compare. Times and hard-link identity are left out: docker
 * keeps build-time mtimes and so would berth, they never match.
 */
export async function treeListing(root: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (rel: string): Promise<void> => {
    const names = (await readdir(join(root, rel))).sort();
    for (const name of names) {
      const path = rel === "" ? name : `${rel}/${name}`;
      const st = await lstat(join(root, path));
      const mode = (st.mode & 0o7777).toString(8).padStart(4, "0");
      const owner = `${st.uid}:${st.gid}`;
      if (st.isDirectory()) {
        out.set(path, `dir ${mode} ${owner}`);
        await walk(path);
      } else if (st.isSymbolicLink()) {
        out.set(path, `symlink ${owner} -> ${await readlink(join(root, path))}`);
      } else if (st.isFile()) {
        out.set(path, `file ${mode} ${owner} ${createHash("sha256").update(await readFile(join(root, path))).digest("hex").slice(0, 16)}`);
      } else {
        out.set(path, `special ${mode} ${owner}`);
      }
    }
  };
  await walk("");
  return out;
}

/** Human-readable differences between two listings (at most `max` lines), empty when equal. */
export function listingDiff(expected: Map<string, string>, actual: Map<string, string>, max = 40): string[] {
  const lines: string[] = [];
  for (const [p, e] of expected) {
    const a = actual.get(p);
    if (a === undefined) lines.push(`- ${p}: ${e}   (only in docker's)`);
    else if (a !== e) lines.push(`~ ${p}: docker ${e} | berth ${a}`);
  }
  for (const [p, a] of actual) if (!expected.has(p)) lines.push(`+ ${p}: ${a}   (only in berth's)`);
  return lines.length > max ? [...lines.slice(0, max), `… ${lines.length - max} more`] : lines;
}
