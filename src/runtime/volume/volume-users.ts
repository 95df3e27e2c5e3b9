import { mkdir, readdir, unlink } from "node:fs/promises";
import { join } from "node:path";
import { fsyncDir, writeFileAtomic } from "../../content/index.js";
import { InvalidArgumentError } from "../../oci/index.js";

/**
 * Which containers use a volume: one file per container under
 * `<volume dir>/users/<container id>`, holding `{ContainerID, Since}`.
 * Files rather than a count, so that each claim is written and removed
 * atomically on its own and survives a berth that crashes: the container
 * it names may still be running. Callers serialise changes with the
 * volume's lock.
 */
const USERS_DIR = "users";

/** docker's container names and 64-hex ids both fit; nothing that could climb out of `users/`. */
const CONTAINER_ID = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$/;

/** Throws InvalidArgumentError unless `id` can name a user file. */
export function checkContainerId(id: string): void {
  if (!CONTAINER_ID.test(id)) throw new InvalidArgumentError(`container id ${JSON.stringify(id)}: expected letters, digits, _ . - (at most 128)`);
}

/** Record `containerId` as a user of the volume in `volumeDir` (idempotent). */
export async function recordUser(volumeDir: string, containerId: string): Promise<void> {
  checkContainerId(containerId);
  const dir = join(volumeDir, USERS_DIR);
  await mkdir(dir, { recursive: true });
  await writeFileAtomic(join(dir, containerId), `${JSON.stringify({ ContainerID: containerId, Since: new Date().toISOString() })}\n`);
}

/** Remove `containerId`'s claim; nothing happens when it had none or the volume is gone. */
export async function forgetUser(volumeDir: string, containerId: string): Promise<void> {
  checkContainerId(containerId);
  const dir = join(volumeDir, USERS_DIR);
  await unlink(join(dir, containerId)).then(() => fsyncDir(dir), (e: NodeJS.ErrnoException) => {
    if (e.code !== "ENOENT" && e.code !== "ENOTDIR") throw e;
  });
}

/**
 * The ids of the volume's users, sorted. With `isLive`, users it denies are
 * left out, and with `dropDead` their files are removed too.
 */
export async function listUsers(
  volumeDir: string, isLive?: (containerId: string) => Promise<boolean>, dropDead = false,
): Promise<string[]> {
  const dir = join(volumeDir, USERS_DIR);
  // Temp files of an interrupted atomic write start with "." and are not users.
  const ids = (await readdir(dir).catch(() => [] as string[])).filter((n) => CONTAINER_ID.test(n)).sort();
  if (isLive === undefined) return ids;
  const live: string[] = [];
  for (const id of ids) {
    if (await isLive(id)) live.push(id);
    else if (dropDead) await unlink(join(dir, id)).catch(() => undefined);
  }
  return live;
}
