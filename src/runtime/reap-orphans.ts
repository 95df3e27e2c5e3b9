import { readdir, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { detachNetwork } from "./container-network.js";
import { readContainerRecord } from "./container-record.js";
import { readContainerState } from "./container-state.js";
import { isRunning } from "./process-identity.js";
import { isMountPoint, OverlayRootfs } from "./rootfs.js";
import type { RuntimeContext } from "./runtime-context.js";
import { releaseMounts } from "./volume/index.js";

/** A directory without a record younger than this may be a run still being set up. */
const SETUP_GRACE_MS = 60_000;

/**
 * Remove the attached (`-i`/`-t`) containers whose berth process is gone (killed
 * before it could clean up): kill them through their runtime, take down
 * their network, release their volumes (anonymous ones they made removed), unmount
 * their rootfs, delete their directory and free their name. Containers of
 * live berth processes are left alone. Returns the ids removed; a container
 * that cannot be cleaned is skipped, to be tried again next time.
 */
export async function reapOrphans(ctx: RuntimeContext): Promise<string[]> {
  const reaped: string[] = [];
  const entries = await readdir(ctx.containersDir).catch(() => [] as string[]);
  for (const id of entries.filter((e) => /^[0-9a-f]{64}$/.test(e)).slice(0, 10_000)) {
    const dir = ctx.dir(id);
    const record = await readContainerRecord(dir);
    if (record === undefined) {
      const st = await stat(dir).catch(() => undefined);
      if (st === undefined || Date.now() - st.mtimeMs < SETUP_GRACE_MS) continue;
    } else if (record.owner === undefined || (await isRunning(record.owner))) {
      continue;
    }
    try {
      await ctx.runtimeOf(record ?? {}).delete(id);
      const state = await readContainerState(dir);
      if (record !== undefined && state !== undefined) await detachNetwork(ctx, record, state);
      // Not a volume handed in by name (createdVolumes): it may hold another container's data.
      if (record?.volumes !== undefined) await releaseMounts(ctx.volumes(), record.volumes, id, { removeAnonymous: record.createdVolumes ?? true });
      await (await OverlayRootfs.existing(dir)).unmount();
      if (await isMountPoint(join(dir, "rootfs"))) continue;
      await rm(dir, { recursive: true, force: true });
      if (record?.name !== undefined) await ctx.names.release(record.name, id);
      reaped.push(id);
    } catch {
      // Left for the next run; this one must not fail because of another's remains.
    }
  }
  return reaped;
}
