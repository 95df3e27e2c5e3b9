import { stat } from "node:fs/promises";
import { InvalidArgumentError } from "../../oci/index.js";
import type { BindMount, TmpfsMount } from "../container-options.js";
import { UndoStack } from "../internal/undo-stack.js";
import { copyUp } from "./copy-up.js";
import type { BindPropagation, MountRequest } from "./mount-request.js";
import { VolumeInUseError, VolumeNotFoundError } from "./volume-errors.js";
import { ANONYMOUS_LABEL, anonymousVolumeName } from "./volume-name.js";
import type { VolumeStore } from "./volume-store.js";

/** A bind mount for the runtime spec; `propagation` absent means docker's `rprivate`. */
export interface ResolvedBindMount extends BindMount {
  readonly propagation?: BindPropagation;
}

/** Mounts ready for ContainerOptions (`binds`, `tmpfs`), and the volumes the container now holds. */
export interface ResolvedMounts {
  /** Host paths and volumes' `_data` dirs, in the order requested. */
  readonly binds: ResolvedBindMount[];
  readonly tmpfs: TmpfsMount[];
  /** Names of the volumes acquired for the container, each once; give them to {@link releaseMounts}. */
  readonly volumes: string[];
  /**
   * Those of `volumes` this call made. The others existed: handed in by name,
   * like the anonymous volume of a replaced replica that its successor mounts
   * again; a create or start that fails must remove the made ones only.
   */
  readonly created: string[];
}

/**
 * Turn parsed `-v`/`--mount` requests into the container's mounts:
 * refuses two mounts on one target and a bind whose host source does not
 * exist (before anything is made), creates named and anonymous volumes that
 * are missing (anonymous ones labelled `com.docker.volume.anonymous`),
 * records `containerId` as their user, and copies what `imageRootfs` holds at
 * the target into each volume found empty, unless `nocopy` (docker's
 * copy-up; see copyUp). On failure the volumes acquired are released and
 * those created are removed again, and the error is rethrown:
 * InvalidArgumentError naming the flag, or the store's errors.
 */
export async function resolveMounts(
  store: VolumeStore, requests: readonly MountRequest[], containerId: string, imageRootfs?: string,
): Promise<ResolvedMounts> {
  const seen = new Map<string, MountRequest>();
  for (const r of requests) {
    const other = seen.get(r.target);
    if (other !== undefined) throw new InvalidArgumentError(`${r.origin}: duplicate mount point ${r.target} (also mounted by ${other.origin})`);
    seen.set(r.target, r);
  }
  for (const r of requests) {
    if (r.type !== "bind") continue;
    const st = await stat(r.source).catch((e: NodeJS.ErrnoException) => e);
    if (st instanceof Error) {
      throw new InvalidArgumentError(`${r.origin}: source ${r.source} ${st.code === "ENOENT" ? "does not exist" : `cannot be read: ${st.message}`}`, {
        hint: "create the host path first (berth does not create it), or name a volume instead",
      });
    }
  }
  const undo = new UndoStack();
  const binds: ResolvedBindMount[] = [];
  const tmpfs: TmpfsMount[] = [];
  const volumes: string[] = [];
  const made: string[] = [];
  try {
    for (const r of requests) {
      if (r.type === "tmpfs") {
        tmpfs.push({ destination: r.target, options: r.options });
      } else if (r.type === "bind") {
        binds.push({ source: r.source, destination: r.target, readOnly: r.readOnly, ...(r.propagation !== undefined && { propagation: r.propagation }) });
      } else {
        const name = r.name ?? anonymousVolumeName();
        const labels = r.name !== undefined ? r.labels : { ...r.labels, [ANONYMOUS_LABEL]: "" };
        const { volume, created } = await store.createAndAcquire(name, containerId, { labels });
        undo.push(async () => {
          await store.release(name, containerId);
          if (created) await store.remove(name).catch(unless(VolumeInUseError));
        });
        if (!volumes.includes(name)) volumes.push(name);
        if (created && !made.includes(name)) made.push(name);
        if (imageRootfs !== undefined && !r.noCopy) await store.fillIfEmpty(name, async (data) => void (await copyUp(imageRootfs, r.target, data)));
        binds.push({ source: volume.Mountpoint, destination: r.target, readOnly: r.readOnly });
      }
    }
  } catch (e) {
    await undo.run().catch(() => undefined);
    throw e;
  }
  return { binds, tmpfs, volumes, created: made };
}

/**
 * Give up the container's claim on `volumes` (from {@link resolveMounts}),
 * e.g. when it is removed. With `removeAnonymous` (`rm -v`), volumes
 * labelled anonymous that no other container uses are removed too, as
 * docker does; named volumes always stay. A list instead of `true` limits
 * that to the anonymous volumes among it (ResolvedMounts.created: a failed
 * create or start must not delete a volume handed in to be kept). With
 * `named`, the named volumes among that list go too, unused: a start undone
 * because nobody asked for it (a run made ahead) leaves what it made as it
 * was. Volumes already gone are skipped. Every volume is tried; the first
 * failure is thrown at the end. Resolves the names removed.
 */
export async function releaseMounts(
  store: VolumeStore, volumes: readonly string[], containerId: string, opts: { removeAnonymous?: boolean | readonly string[]; named?: boolean } = {},
): Promise<string[]> {
  const removable = (name: string): boolean => (Array.isArray(opts.removeAnonymous) ? opts.removeAnonymous.includes(name) : opts.removeAnonymous === true);
  const removed: string[] = [];
  let failure: { error: unknown } | undefined;
  for (const name of volumes) {
    try {
      await store.release(name, containerId);
      if (!removable(name)) continue;
      const v = await store.inspect(name).catch(unless(VolumeNotFoundError));
      if (v === undefined || !(Object.hasOwn(v.Labels, ANONYMOUS_LABEL) || (opts.named === true && Array.isArray(opts.removeAnonymous)))) continue;
      // Another container may hold it (or take it meanwhile): then it stays, as in docker.
      if (await store.remove(name).catch(unless(VolumeInUseError, VolumeNotFoundError))) removed.push(name);
    } catch (e) {
      failure ??= { error: e };
    }
  }
  if (failure) throw failure.error;
  return removed;
}

/** A catch handler that turns errors of the given classes into undefined and rethrows the rest. */
const unless = (...classes: (abstract new (...args: never[]) => Error)[]) => (e: unknown): undefined => {
  if (classes.some((c) => e instanceof c)) return undefined;
  throw e;
};
