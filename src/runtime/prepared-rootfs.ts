import type { ImageAccountsMemo } from "./image-accounts-memo.js";
import { readImageAccounts, type ImageAccounts } from "./internal/read-in-root.js";
import { OverlayRootfs } from "./rootfs.js";

/** A new container's rootfs being mounted ahead of its start, and what its start reads from it. */
export interface PreparedRootfs {
  readonly mounted: Promise<OverlayRootfs>;
  readonly accounts: Promise<ImageAccounts>;
}

/**
 * Start mounting the rootfs of the new container in `dir` and find its
 * image's accounts: from `memo`, else read through the mount once it is
 * made. `run` does this while it writes the container's record, so that the
 * mount (a program and a few directories, the longest of the steps before
 * the runtime is called) overlaps the rest of the start. Both promises are
 * marked handled: the start awaits them, and a failed mount is its error.
 */
export function prepareRootfs(dir: string, lowerDirs: readonly string[], memo: ImageAccountsMemo): PreparedRootfs {
  const mounted = OverlayRootfs.mount(dir, lowerDirs);
  const known = memo.get(lowerDirs);
  const accounts = known !== undefined ? Promise.resolve(known) : mounted.then(async (rootfs) => {
    const read = await readImageAccounts(rootfs.path);
    memo.set(lowerDirs, read);
    return read;
  });
  mounted.catch(() => undefined);
  accounts.catch(() => undefined);
  return { mounted, accounts };
}
