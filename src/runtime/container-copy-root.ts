import { readFile, realpath } from "node:fs/promises";
import { join } from "node:path";
import type { ContainerRecord } from "./container-record.js";
import { cleanContainerPath, MountedRoot, type CopyMount } from "./copy/index.js";

/**
 * The container's files as `cp` sees them, as docker's does: its rootfs at
 * `rootfs` with its bind mounts over it. These are the spec's of its last
 * start (config.json in `dir`: `-v` binds, volumes, /etc/hostname, /etc/hosts,
 * /etc/resolv.conf, `--init`'s binary), or before a first start the
 * record's binds and volumes. tmpfs mounts, /proc, /sys and /dev live in the
 * container's mount namespace only: cp sees the rootfs under them (docker's
 * does too). Mount sources have their symlinks resolved here, once: they
 * are paths berth or its user chose, not the container's.
 */
export async function containerCopyRoot(dir: string, record: ContainerRecord, rootfs: string): Promise<MountedRoot> {
  const binds = (await specBinds(join(dir, "config.json"))) ?? (record.options.binds ?? []);
  const mounts = await Promise.all(binds.map(async (b): Promise<CopyMount> => ({
    destination: cleanContainerPath(b.destination),
    // A source gone from the host stays as it was: reading through it then fails as "no such file".
    source: await realpath(b.source).catch(() => b.source),
    readOnly: b.readOnly,
  })));
  return new MountedRoot(rootfs, mounts.filter((m) => m.destination !== "/"), record.options.readOnly === true);
}

/** The bind mounts of the spec at `path`; undefined when there is none (never started) or it is not one. */
async function specBinds(path: string): Promise<CopyMount[] | undefined> {
  const text = await readFile(path, "utf8").catch(() => undefined);
  if (text === undefined) return undefined;
  let spec: unknown;
  try {
    spec = JSON.parse(text);
  } catch {
    return undefined;
  }
  const mounts = (spec as { mounts?: unknown } | null)?.mounts;
  if (!Array.isArray(mounts)) return undefined;
  return mounts.flatMap((m: unknown): CopyMount[] => {
    const { type, source, destination, options } = (m ?? {}) as { type?: unknown; source?: unknown; destination?: unknown; options?: unknown };
    if (type !== "bind" || typeof source !== "string" || typeof destination !== "string" || !source.startsWith("/")) return [];
    return [{ source, destination, readOnly: Array.isArray(options) && options.includes("ro") }];
  });
}
