import { chmod, lchown, lstat, mkdir, realpath } from "node:fs/promises";
import { posix } from "node:path";
import { resolveInRoot } from "../../runtime/index.js";
import { CopyDestinationError } from "./copy-errors.js";
import type { CopyOwner } from "./copy-owner.js";

/** A COPY/ADD destination made absolute. */
export interface Destination {
  /** As docker keeps it: absolute, not cleaned, trailing `/` kept (`/app/`, `/wd/sub/`). */
  readonly path: string;
  /** A trailing `/`: a file source goes inside, under its own name; several sources need it. */
  readonly isDirectory: boolean;
}

const ROOT: CopyOwner = { uid: 0, gid: 0 };

/**
 * docker's normalizeDest: a relative destination is joined to the WORKDIR
 * (`.` is the WORKDIR itself, `sub/` a directory in it), keeping a trailing
 * `/`; an absolute one is taken as written.
 */
export function normalizeDestination(destination: string, workdir: string): Destination {
  const isDirectory = destination.endsWith("/");
  if (destination.startsWith("/")) return { path: destination, isDirectory };
  const joined = posix.join("/", workdir || "/", destination);
  return { path: isDirectory && !joined.endsWith("/") ? `${joined}/` : joined, isDirectory };
}

/**
 * The host path of container path `path` in `rootfs` (a canonical host
 * path), every symlink on the way — the last one too — followed inside the
 * rootfs: `/app` → `/srv` lands in `<rootfs>/srv`, `../../../etc` stops at
 * the rootfs. Parts that do not exist yet are kept as written. Returns
 * the container path and the host path. Throws CopyDestinationError when a
 * part of the path is a file, TooManySymlinksError on a symlink loop.
 */
export async function resolveInRootfs(rootfs: string, path: string): Promise<{ path: string; host: string }> {
  const resolved = await resolveInRoot(rootfs, path).catch((e: NodeJS.ErrnoException) => {
    if (e.code !== "ENOTDIR") throw e;
    throw new CopyDestinationError(path, "a part of it is a file, not a directory", "a file or symlink is where a directory must be; copy somewhere else or remove it first", "FAILED_PRECONDITION");
  });
  return { path: resolved, host: resolved === "/" ? rootfs : rootfs + resolved };
}

/**
 * Make the directory at container path `path` (absolute, clean, symlink
 * free where it exists, as resolveInRootfs returns it) below `root`,
 * creating missing parents: mode 0755, owned by `owner` (when
 * `privileged`). Throws CopyDestinationError when something on the way is
 * not a directory.
 */
export async function ensureDirectory(root: string, path: string, owner: CopyOwner, privileged: boolean, shown = path): Promise<void> {
  let at = root;
  for (const part of path.split("/").filter((p) => p !== "")) {
    at = `${at}/${part}`;
    const st = await lstat(at).catch((e: NodeJS.ErrnoException) => {
      if (e.code === "ENOENT") return undefined;
      throw e;
    });
    if (st?.isDirectory()) continue;
    if (st !== undefined) {
      throw new CopyDestinationError(shown, `${at.slice(root.length) || "/"} is not a directory`, "a file or symlink is where a directory must be; copy somewhere else or remove it first", "FAILED_PRECONDITION");
    }
    await mkdir(at);
    await chmod(at, 0o755); // not what the umask left
    if (privileged) await lchown(at, owner.uid, owner.gid);
  }
}

/**
 * WORKDIR's directory: `path` resolved inside `rootfs` (symlinks followed
 * there) and made with its missing parents, 0755, owned by root, as
 * docker's builder makes it. Returns the resolved container path. Throws
 * CopyDestinationError when a part of it is a file.
 */
export async function mkdirInRootfs(rootfs: string, path: string): Promise<string> {
  const root = await realpath(rootfs);
  const resolved = await resolveInRootfs(root, posix.join("/", path));
  await ensureDirectory(root, resolved.path, ROOT, process.getuid?.() === 0, path);
  return resolved.path;
}
