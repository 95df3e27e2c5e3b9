import { ANONYMOUS_LABEL, imageVolumeRequests, type ContainerRecord, type MountRequest, type VolumeStore } from "../../runtime/index.js";

/** A replaced replica's anonymous volumes, by the container path they are mounted at. */
export type InheritedVolumes = ReadonlyMap<string, string>;

/**
 * The anonymous volumes `record` mounts (its `/data` in `volumes: [/data]`,
 * an image's VOLUME paths), by container path. A replica that takes its place
 * mounts them again, as docker compose does when it recreates a container:
 * otherwise every config change or crash would start a database on an empty
 * volume. Volumes gone meanwhile are skipped.
 */
export async function anonymousVolumesOf(volumes: VolumeStore, record: ContainerRecord): Promise<InheritedVolumes> {
  const out = new Map<string, string>();
  for (const name of record.volumes ?? []) {
    const v = await volumes.inspect(name).catch(() => undefined);
    if (v === undefined || !Object.hasOwn(v.Labels, ANONYMOUS_LABEL)) continue;
    for (const b of record.options.binds ?? []) if (b.source === v.Mountpoint) out.set(b.destination, name);
  }
  return out;
}

/**
 * `mounts` with the anonymous ones that `inherited` has a volume for at the
 * same path named after it; the image's VOLUME paths no mount covers are
 * added the same way (the runtime would make fresh ones for them). Never
 * copied into again (`noCopy`): they hold the replica's data already.
 */
export function withInheritedVolumes(mounts: readonly MountRequest[], imageVolumes: Readonly<Record<string, object>> | undefined, inherited: InheritedVolumes): MountRequest[] {
  const out = mounts.map((m): MountRequest => {
    if (m.type !== "volume" || m.name !== undefined) return m;
    const name = inherited.get(m.target);
    return name === undefined ? m : { ...m, name, noCopy: true };
  });
  // The runtime's own requests for the image's VOLUME paths no mount covers, named after what they held.
  for (const r of imageVolumeRequests(imageVolumes, mounts)) {
    const name = inherited.get(r.target);
    if (r.type === "volume" && name !== undefined) out.push({ ...r, name, noCopy: true });
  }
  return out;
}
