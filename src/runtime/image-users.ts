import { join } from "node:path";
import { SnapshotStore, type ImageUser } from "../image/index.js";
import { parseDigest, type Digest } from "../oci/index.js";
import { readContainerRecord, type ContainerRecord } from "./container-record.js";
import { currentState } from "./container-status.js";
import { removingDir, removingIds } from "./fast-run/background-removal.js";
import type { RuntimeContext } from "./runtime-context.js";

/**
 * Every container of the root as a user of its image, for the image store's
 * garbage collection and rmi (which cannot see containers): all states,
 * and the containers whose removal is still finishing in the background
 * (their rootfs may still be mounted on the snapshots). A container whose
 * state cannot be read counts as running, the answer that deletes nothing.
 * A directory without a record holds no mount (the record is written
 * before anything is mounted) and is skipped.
 */
export async function imageUsers(ctx: RuntimeContext): Promise<ImageUser[]> {
  const users: ImageUser[] = [];
  for (const id of await ctx.ids()) {
    const record = await readContainerRecord(ctx.dir(id));
    if (record === undefined) continue;
    const status = await currentState(ctx, record).then((s) => s.status, () => undefined);
    const state = status === "created" || status === "exited" ? "stopped" : status === "removing" ? "removing" : "running";
    users.push(userOf(record, state));
  }
  for (const id of await removingIds(ctx)) {
    const record = await readContainerRecord(join(removingDir(ctx), id));
    if (record !== undefined) users.push(userOf(record, "removing"));
  }
  return users;
}

function userOf(record: ContainerRecord, state: ImageUser["state"]): ImageUser {
  const chainIds = record.lowerDirs.map((d) => SnapshotStore.chainIdOf(d)).filter((c): c is Digest => c !== undefined);
  let imageId: Digest | undefined;
  try {
    imageId = parseDigest(record.imageId);
  } catch {
    imageId = undefined; // an unreadable record's: its snapshots are still protected
  }
  return { id: record.id, ...(imageId !== undefined && { imageId }), chainIds, state };
}
