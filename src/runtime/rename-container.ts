import { InvalidArgumentError } from "../oci/index.js";
import { readContainerRecord, writeContainerRecord, type ContainerRecord } from "./container-record.js";
import { withContainerLock } from "./container-state.js";
import { ContainerNotFoundError, type RuntimeContext } from "./runtime-context.js";

/**
 * docker rename: give the container `newName`, running or not, keeping
 * everything else (labels, id, processes; a running container's DNS name on
 * its network stays the old one until its next start, as with docker's
 * embedded DNS). Under the container's lock, in three steps whose middle one
 * is the commit: claim `newName` in the name index, rewrite container.json,
 * free the old name. A crash between them leaves a claim whose holder's
 * record names something else, which the name index treats as stale
 * (ContainerNames), so either the old or the new name holds, never both and
 * never neither. Renaming to the name it has is a no-op. Returns the new
 * record. Throws InvalidArgumentError (not a valid name), NameInUseError (held
 * by another container), ContainerNotFoundError (removed meanwhile).
 */
export async function renameContainer(ctx: RuntimeContext, record: ContainerRecord, newName: string): Promise<ContainerRecord> {
  const dir = ctx.dir(record.id);
  return withContainerLock(dir, async () => {
    // Read afresh under the lock: the caller's record may be stale (renamed or removed since).
    const now = await readContainerRecord(dir);
    if (now === undefined) throw new ContainerNotFoundError(record.id);
    if (now.name === newName) return now;
    if (newName.length === 0) throw new InvalidArgumentError("rename: the new name is empty", { hint: "give a name of letters, digits, _ . -" });
    await ctx.names.claim(newName, now.id);
    const renamed: ContainerRecord = { ...now, name: newName };
    try {
      await writeContainerRecord(dir, renamed);
    } catch (e) {
      await ctx.names.release(newName, now.id).catch(() => undefined);
      throw e;
    }
    if (now.name !== undefined) await ctx.names.release(now.name, now.id);
    return renamed;
  });
}
