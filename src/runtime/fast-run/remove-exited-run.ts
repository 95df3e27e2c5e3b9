import { readSmallFile } from "../internal/read-small-file.js";
import { access, rm } from "node:fs/promises";
import { join } from "node:path";
import type { ContainerRecord } from "../container-record.js";
import { readContainerState, withContainerLock, type ContainerState } from "../container-state.js";
import { OverlayRootfs } from "../rootfs.js";
import type { RuntimeContext } from "../runtime-context.js";
import { releaseMounts } from "../volume/index.js";
import { removeInBackground } from "./background-removal.js";

/**
 * Take apart an `--rm` container whose run has ended (see runEnded) and
 * return its exit code: what settleExit and removeContainer do one after
 * the other, done in one step under the container's lock; the states in
 * between, which nobody would read, are not written. When it returns, the
 * container is gone from every listing, its name free and its network and
 * volumes released; its runc state, mount and directory may still be on
 * their way out in the background (see removeInBackground). The
 * exit code is conmon's exit file's, or the one another process settled
 * (a `ps` may come first). A run that ended without an exit file (its
 * monitor killed) goes the usual way, which knows what to record for it.
 * A container removed by another process meanwhile gives its exit file's
 * code, else 0 (as waitContainer). On a failed step the container is left
 * for `rm`, and the step's error thrown.
 */
export async function removeExitedRun(ctx: RuntimeContext, record: ContainerRecord): Promise<number> {
  const dir = ctx.dir(record.id);
  const fromFile = readExitCode(ctx.exitFile(record.id));
  const removed = await withContainerLock(dir, async () => {
    const state = await readContainerState(dir);
    if (state === undefined) return { code: fromFile ?? 0 };
    if ((state.status === "running" && fromFile === undefined) || state.status === "restarting") return undefined;
    const code = state.status === "running" ? fromFile! : (state.exitCode ?? fromFile ?? 0);
    await takeApart(ctx, record, state);
    return { code };
  }).catch((e: unknown) => {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return { code: fromFile ?? 0 };
    throw e;
  });
  if (removed === undefined) {
    const [{ waitContainer }, { removeContainer }] = await Promise.all([import("../container-status.js"), import("../remove-container.js")]);
    const code = await waitContainer(ctx, record, { nextExit: true });
    await removeContainer(ctx, record, { force: true });
    return code;
  }
  if (record.name !== undefined) await ctx.names.release(record.name, record.id);
  return removed.code;
}

/**
 * Network and volumes (anonymous ones removed, as --rm does) first, so that
 * addresses, ports and volumes are free when the run returns; then the
 * rest out of sight in the background (removeInBackground), or here when
 * that cannot be: runc state and mount at once, then the directory.
 */
async function takeApart(ctx: RuntimeContext, record: ContainerRecord, state: ContainerState): Promise<void> {
  const dir = ctx.dir(record.id);
  // The network module is loaded only for a container that has a network to take down.
  if (state.netnsPath !== undefined) await import("../container-network.js").then((m) => m.detachNetwork(ctx, record, state)).catch(() => undefined);
  if ((record.volumes ?? []).length > 0) await releaseMounts(ctx.volumes(), record.volumes ?? [], record.id, { removeAnonymous: true });
  if (await removeInBackground(ctx, record)) return;
  const rootfs = await OverlayRootfs.existing(dir);
  // runc keeps a state dir only for a container it still knows (settling an exit deletes it).
  const runcKnows = await access(join(ctx.runtimeOf(record).opts.stateDir, record.id)).then(() => true, () => false);
  const steps = await Promise.allSettled([
    runcKnows ? ctx.runtimeOf(record).delete(record.id) : undefined,
    rootfs.unmount({ keepWritableLayer: true }),
  ]);
  // A failed unmount throws here: a recursive delete would go through the mount into the image's snapshots.
  const failed = steps.find((s) => s.status === "rejected");
  if (failed !== undefined) throw failed.reason;
  await rm(dir, { recursive: true, force: true, maxRetries: 3 });
}

/** The exit code conmon wrote, if it did. */
function readExitCode(file: string): number | undefined {
  const text = readSmallFile(file);
  return text !== undefined && /^-?\d+\s*$/.test(text) ? Number(text.trim()) : undefined;
}
