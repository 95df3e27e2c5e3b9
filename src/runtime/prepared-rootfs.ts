import { readImageAccounts } from "./internal/read-in-root.js";
import { OverlayRootfs } from "./rootfs.js";

/** A container's rootfs mounted ahead of its start, with what its start reads from it. */
export interface PreparedRootfs {
  readonly rootfs: OverlayRootfs;
  /** The image's /etc/passwd and /etc/group, for resolving `-u` names. */
  readonly accounts: { readonly passwd?: string; readonly group?: string };
}

/**
 * Mount the rootfs of a new container in `dir` and read its accounts. `run`
 * does this while it writes the container's record, so that the mount (a
 * program and a few directories, the longest of the steps before the runtime
 * is called) is done, or nearly, when the start needs it. A failure to read the
 * accounts unmounts again; the error is the start's to report.
 */
export async function prepareRootfs(dir: string, lowerDirs: readonly string[]): Promise<PreparedRootfs> {
  const rootfs = await OverlayRootfs.mount(dir, lowerDirs);
  try {
    return { rootfs, accounts: await readImageAccounts(rootfs.path) };
  } catch (e) {
    await rootfs.unmount({ keepWritableLayer: true }).catch(() => undefined);
    throw e;
  }
}
