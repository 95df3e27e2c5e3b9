import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { readdir, readFile, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { withFileLock } from "../../content/index.js";
import { isLaunchable, shellLauncher } from "../internal/shell-launcher.js";
import { readContainerRecord, type ContainerRecord } from "../container-record.js";
import { identityOfSync, isRunning, type ProcessIdentity } from "../process-identity.js";
import { OverlayRootfs } from "../rootfs.js";
import type { RuntimeContext } from "../runtime-context.js";

/**
 * What is left of a removed container once it is out of sight, as one
 * shell script (`sh -c REMOVE_SH _ RUNC RUNC_ROOT ID DIR`): runc's state
 * and cgroups (`runc delete`) and the unmount at once, then the directory,
 * but never while its rootfs is still mounted (a recursive delete would go
 * through the mount into the image's snapshots). Every step tolerates what
 * is already gone, so running it twice is harmless.
 */
export const REMOVE_SH = "runc=$1 root=$2 id=$3 d=$4; "
  + `"$runc" --root "$root" delete --force "$id" >/dev/null 2>&1 & `
  + `umount "$d/rootfs" 2>/dev/null || umount --lazy "$d/rootfs" 2>/dev/null; `
  + "wait; "
  + `if mountpoint -q "$d/rootfs"; then exit 1; fi; `
  // One line: the launcher reads one program per line.
  + `exec rm -rf "$d"`;

/** After this long a removal whose remover still lives is taken to have failed, and done again (every step is idempotent). */
const STALE_MS = 120_000;
const REMOVER = "remover.json";

/**
 * Take a container that has ended out of sight at once and finish its
 * removal in the background: its directory is renamed into
 * `<root>/containers/.removing/` (so `ps -a`, name and id lookups no longer
 * see it), and a detached program started through this process's
 * ShellLauncher deletes runc's state, unmounts the rootfs and deletes the
 * directory, going on after berth has exited. The caller releases the
 * name. The container must have no process left (runc's state of it is
 * deleted without a kill) and no network or volume still held. Resolves
 * false, having changed nothing, when no background program can be started
 * here: the caller then removes it itself. A removal cut short (its
 * remover killed) is finished by {@link finishAbandonedRemovals}.
 */
export async function removeInBackground(ctx: RuntimeContext, record: Pick<ContainerRecord, "id" | "runtime">): Promise<boolean> {
  const { id } = record;
  const runtime = ctx.runtimeOf(record);
  const launcher = shellLauncher();
  const shellPid = launcher?.pid;
  if (launcher === undefined || shellPid === undefined || !["umount", "mountpoint", "rm", runtime.binary].every(isLaunchable)) return false;
  const from = ctx.dir(id);
  const to = join(removingDir(ctx), id);
  // Synchronous, each a system call on a small file, between a foreground run's end and its answer.
  const remover = identityOfSync(shellPid);
  if (remover === undefined) return false;
  writeFileSync(join(from, REMOVER), JSON.stringify(remover));
  try {
    renameSync(from, to);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    mkdirSync(removingDir(ctx), { recursive: true });
    renameSync(from, to);
  }
  // The lock file came along; nobody can wait on it there.
  rmSync(join(to, "state.lock"), { force: true });
  await launcher.launchDetached("/bin/sh", ["-c", REMOVE_SH, "berth-remove", runtime.binary, runtime.opts.stateDir, id, to])
    .catch(() => finishRemoval(ctx, id, to));
  return true;
}

/**
 * Finish the background removals whose remover is gone (killed, or the
 * machine restarted) or has taken longer than two minutes: runc delete,
 * unmount, delete the directory. Cheap when there are none (one readdir).
 * Errors are left for the next call.
 */
export async function finishAbandonedRemovals(ctx: RuntimeContext): Promise<void> {
  const dir = removingDir(ctx);
  for (const id of await removingIds(ctx)) {
    const path = join(dir, id);
    if (!(await isAbandoned(path))) continue;
    await withFileLock(`${path}.lock`, async () => {
      if (await stat(path).then(() => true, () => false)) await finishRemoval(ctx, id, path);
    }, { timeoutMs: 5_000 }).catch(() => undefined);
  }
}

/** What REMOVE_SH does, done here. Throws while the rootfs is still mounted: the directory is then kept. */
async function finishRemoval(ctx: RuntimeContext, id: string, path: string): Promise<void> {
  // The runtime it was made with (its record came along); the default when that cannot be read.
  const record = await readContainerRecord(path).catch(() => undefined);
  await ctx.runtimeOf(record ?? {}).delete(id);
  await (await OverlayRootfs.existing(path)).unmount({ keepWritableLayer: true });
  await rm(path, { recursive: true, force: true, maxRetries: 3 });
}

/** The ids of the containers in {@link removingDir}: removed, their leftovers not yet taken apart. */
export async function removingIds(ctx: RuntimeContext): Promise<string[]> {
  return (await readdir(removingDir(ctx)).catch(() => [] as string[])).filter((e) => /^[0-9a-f]{64}$/.test(e));
}

/** `<root>/containers/.removing`: containers removed, their leftovers still being taken apart. */
export function removingDir(ctx: RuntimeContext): string {
  return join(ctx.containersDir, ".removing");
}

async function isAbandoned(path: string): Promise<boolean> {
  const file = join(path, REMOVER);
  const [text, info] = await Promise.all([readFile(file, "utf8").catch(() => undefined), stat(file).catch(() => undefined)]);
  if (text === undefined || info === undefined) return true;
  if (Date.now() - info.mtimeMs > STALE_MS) return true;
  try {
    return !(await isRunning(JSON.parse(text) as ProcessIdentity));
  } catch {
    return true;
  }
}
