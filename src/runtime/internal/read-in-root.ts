import { lstat, readFile } from "node:fs/promises";
import { join } from "node:path";

const MAX_BYTES = 4 * 1024 * 1024;

/**
 * The text of `rel` (e.g. `etc/passwd`) inside the container's rootfs, or
 * undefined when it is missing, larger than 4 MiB, not a regular file, or
 * reached through a symlink: read from the host, a link in the image
 * (`/etc/passwd → /host/secret`) would resolve against the host's root.
 */
export async function readInRoot(rootfs: string, rel: string): Promise<string | undefined> {
  let path = rootfs;
  const parts = rel.split("/").filter((p) => p !== "" && p !== "." && p !== "..");
  for (const [i, part] of parts.entries()) {
    path = join(path, part);
    const st = await lstat(path).catch(() => undefined);
    if (st === undefined || st.isSymbolicLink()) return undefined;
    if (i < parts.length - 1 ? !st.isDirectory() : !st.isFile() || st.size > MAX_BYTES) return undefined;
  }
  return parts.length === 0 ? undefined : readFile(path, "utf8").catch(() => undefined);
}

/** An image's /etc/passwd and /etc/group, for resolving `-u` names and root's groups. */
export interface ImageAccounts {
  readonly passwd?: string;
  readonly group?: string;
}

/** The image's /etc/passwd and /etc/group as {@link readInRoot} reads them, for resolving `-u` names. */
export async function readImageAccounts(rootfs: string): Promise<ImageAccounts> {
  const passwd = await readInRoot(rootfs, "etc/passwd");
  const group = await readInRoot(rootfs, "etc/group");
  return { ...(passwd !== undefined && { passwd }), ...(group !== undefined && { group }) };
}
