import { access, rm } from "node:fs/promises";
import { join } from "node:path";
import { detachNetwork } from "./container-network.js";
import type { ContainerRecord } from "./container-record.js";
import { containerGone, readContainerState, withContainerLock, writeContainerState, type ContainerState } from "./container-state.js";
import { currentState } from "./container-status.js";
import { askToLetGo, heldAlive } from "./held-start.js";
import { RootfsError } from "./errors.js";
import { isMountPoint, OverlayRootfs } from "./rootfs.js";
import { ContainerStateError, type RuntimeContext } from "./runtime-context.js";
import { releaseMounts } from "./volume/index.js";

/**
 * rm's options: `volumes` is `-v`; `"created"` limits it to the anonymous volumes the container's
 * create made (a failed run's cleanup); `"made"` to every volume it made, named ones too (a run
 * made ahead of a request that never came: as if it had not been made).
 */
export interface RemoveOptions {
  readonly force?: boolean;
  readonly volumes?: boolean | "created" | "made";
  /**
   * The caller is the held start being undone (its gate refused): the container is still marked
   * held by this process, so that other removals wait for this one, and this one must not wait
   * for itself.
   */
  readonly undoingHeldStart?: boolean;
}

/**
 * docker rm: take the container apart (runc state, network, rootfs and its
 * writable layer, volumes it holds — anonymous ones removed with `volumes`
 * or for an --rm container — directory, name). A running container is refused unless
 * `force`, which kills it first. Idempotent after a crash half-way: every
 * step tolerates what is already gone.
 */
export async function removeContainer(ctx: RuntimeContext, record: ContainerRecord, opts: RemoveOptions = {}): Promise<void> {
  const dir = ctx.dir(record.id);
  const refuseRunning = (s: ContainerState): void => {
    if ((s.status === "running" || s.status === "restarting") && !opts.force) {
      throw new ContainerStateError(record.id, `is ${s.status}`, "stop it first, or remove it with rm -f");
    }
  };
  const now = await currentState(ctx, record);
  refuseRunning(now);
  // A start held at its gate (a run made ahead of its request) holds the lock until its request
  // comes: asked, it lets go at once, and is undone as a start nobody asked for. Should the request
  // have come first, the container runs now.
  if (opts.undoingHeldStart !== true && (await heldAlive(now))) {
    if (await askToLetGo(dir)) return;
    refuseRunning(await currentState(ctx, record));
  }
  await withContainerLock(dir, async () => {
    const s = await readContainerState(dir);
    if (s !== undefined) await writeContainerState(dir, { ...s, status: "removing", stoppedByUser: true });
    // runc keeps a state dir only for a container it still knows (settling an exit deletes it).
    if (await access(join(ctx.runtimeOf(record).opts.stateDir, record.id)).then(() => true, () => false)) await ctx.runtimeOf(record).delete(record.id);
    if (s !== undefined) await detachNetwork(ctx, record, s).catch(() => undefined);
    await (await OverlayRootfs.existing(dir)).unmount();
    // A recursive delete would go through a rootfs still mounted into the image's snapshots.
    if (await isMountPoint(join(dir, "rootfs"))) throw new RootfsError("INTERNAL", join(dir, "rootfs"), "still mounted; not removing the container", `unmount it, then remove ${dir}`);
    if ((record.volumes ?? []).length > 0) {
      // docker: rm -v, and --rm, also remove the container's anonymous volumes.
      const onlyMade = opts.volumes === "created" || opts.volumes === "made";
      const removeAnonymous = onlyMade ? (record.createdVolumes ?? record.volumes ?? []) : opts.volumes === true || record.autoRemove === true;
      await releaseMounts(ctx.volumes(), record.volumes ?? [], record.id, { removeAnonymous, ...(opts.volumes === "made" && record.createdVolumes !== undefined && { named: true }) });
    }
    await rm(dir, { recursive: true, force: true, maxRetries: 3 });
  }).catch(async (e: unknown) => {
    // Removed by another while this waited for the lock (a held start undone, another rm): done.
    if (await containerGone(e, dir)) return;
    throw e;
  });
  if (record.name !== undefined) await ctx.names.release(record.name, record.id);
}
