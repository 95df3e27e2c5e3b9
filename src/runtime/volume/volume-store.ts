import { randomBytes } from "node:crypto";
import { mkdir, readdir, rename, rm } from "node:fs/promises";
import { join, resolve } from "node:path";
import { fsyncDir, isProcessAlive, withFileLock, writeFileAtomic } from "../../content/index.js";
import { directorySize } from "./directory-size.js";
import { VolumeInUseError, VolumeNotFoundError } from "./volume-errors.js";
import type { VolumeLabels } from "./volume-labels.js";
import { anonymousVolumeName, checkVolumeName, isValidVolumeName } from "./volume-name.js";
import { DATA_DIR, readVolumeRecord, RECORD_FILE, recordText, type Volume } from "./volume-record.js";
import { checkContainerId, forgetUser, listUsers, recordUser } from "./volume-users.js";

/** Options for {@link VolumeStore}. */
export interface VolumeStoreOptions {
  /**
   * Whether a container recorded as a volume's user still exists. Users it
   * denies (a container whose berth died with the machine) stop counting and
   * their files are dropped when the volume is next removed or pruned.
   * Default: every recorded user counts, so no data is lost to a guess.
   */
  readonly isContainerLive?: (containerId: string) => Promise<boolean>;
}

/** Options for {@link VolumeStore.create}. */
export interface CreateVolumeOptions {
  readonly labels?: VolumeLabels;
}

/** What {@link VolumeStore.prune} removed. */
export interface PruneVolumesResult {
  /** Names, in the order removed. */
  readonly removed: readonly string[];
  /** Bytes the removed volumes' files held. */
  readonly bytesReclaimed: number;
}

/** Waiters on a volume's lock may sit behind a copy-up of a large directory. */
const LOCK_TIMEOUT_MS = 120_000;
/** A create that loses its race to a remove tries again, this many times. */
const CREATE_ATTEMPTS = 5;

/**
 * Local named volumes, one directory each, docker's layout:
 *
 * ```
 * <berth root>/volumes/
 *   <name>/volume.json       Name, Driver, Mountpoint, CreatedAt, Labels, Options
 *   <name>/_data/            what containers mount
 *   <name>/users/<id>        one file per container using it (written atomically)
 *   .<name>.lock             held while a volume is acquired, removed, pruned or filled
 *   .creating-<pid>-<hex>/   a volume being made; renamed to <name> when whole
 *   .removing-<hex>/         a volume being deleted; renamed away from <name> first
 * ```
 *
 * A volume appears by one rename of a complete directory and disappears by
 * one rename away from its name, so a crash leaves either the whole volume
 * or none; leftovers of either rename are swept by {@link prune}. Users are
 * files, not a count in memory, so a berth that crashes leaves its
 * containers' claims on disk.
 */
export class VolumeStore {
  /** `<berth root>/volumes`, absolute. */
  readonly dir: string;

  constructor(root: string, private readonly opts: VolumeStoreOptions = {}) {
    this.dir = join(resolve(root), "volumes");
  }

  /**
   * Create volume `name` (docker's name rule; InvalidArgumentError otherwise),
   * or one with a fresh 64-hex name when `name` is absent. Creating a name
   * that exists returns the existing volume unchanged, as docker does.
   */
  async create(name?: string, opts: CreateVolumeOptions = {}): Promise<Volume> {
    return (await this.make(name ?? anonymousVolumeName(), opts.labels ?? {}, undefined)).volume;
  }

  /**
   * Create `name` unless it exists, and record `containerId` as its user in
   * the same step: a prune running meanwhile never sees the volume unused.
   * `created` says whether this call made it.
   */
  async createAndAcquire(name: string, containerId: string, opts: CreateVolumeOptions = {}): Promise<{ volume: Volume; created: boolean }> {
    checkContainerId(containerId);
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.make(name, opts.labels ?? {}, containerId);
      } catch (e) {
        // Removed between our failed create and our acquire: make it again.
        if (!(e instanceof VolumeNotFoundError) || attempt >= CREATE_ATTEMPTS) throw e;
      }
    }
  }

  /** Every volume, sorted by name. */
  async list(): Promise<Volume[]> {
    const names = (await readdir(this.dir).catch(() => [] as string[])).filter(isValidVolumeName).sort();
    const out: Volume[] = [];
    for (const n of names) {
      const v = await readVolumeRecord(join(this.dir, n), n).catch((e: unknown) => {
        if (e instanceof VolumeNotFoundError) return undefined; // removed while we listed
        throw e;
      });
      if (v !== undefined) out.push(v);
    }
    return out;
  }

  /** The volume `name`; VolumeNotFoundError when it does not exist. */
  async inspect(name: string): Promise<Volume> {
    return readVolumeRecord(this.volumeDir(name), name);
  }

  /**
   * Remove `name` and its data. Throws VolumeNotFoundError when it is missing,
   * unless `force` (as `docker volume rm -f`, which ignores a missing volume
   * only), and VolumeInUseError (naming the containers) when it has users,
   * with or without `force`: removing the data under a container that uses
   * it breaks that container's next start, so docker refuses it too.
   * Resolves true when a volume was removed.
   */
  async remove(name: string, opts: { force?: boolean } = {}): Promise<boolean> {
    const away = await this.locked(name, async () => {
      const exists = await this.inspect(name).then(() => true, (e: unknown) => {
        if (e instanceof VolumeNotFoundError && opts.force) return false;
        throw e;
      });
      if (!exists) return undefined;
      const users = await this.liveUsers(name, true);
      if (users.length > 0) throw new VolumeInUseError(name, users);
      return this.renameAway(name);
    });
    if (away === undefined) return false;
    await rm(away, { recursive: true, force: true });
    return true;
  }

  /**
   * Remove every volume no container uses, and what crashed creates and
   * removes left behind. Volumes in use, or acquired while prune runs, stay.
   */
  async prune(): Promise<PruneVolumesResult> {
    await this.sweep();
    const removed: string[] = [];
    let bytesReclaimed = 0;
    for (const v of await this.list()) {
      const away = await this.locked(v.Name, async () => {
        await this.inspect(v.Name); // removed since we listed: VolumeNotFoundError, skipped below
        if ((await this.liveUsers(v.Name, true)).length > 0) return undefined;
        bytesReclaimed += await directorySize(join(this.volumeDir(v.Name), DATA_DIR));
        return this.renameAway(v.Name);
      }).catch((e: unknown) => {
        if (e instanceof VolumeNotFoundError) return undefined;
        throw e;
      });
      if (away === undefined) continue;
      removed.push(v.Name);
      await rm(away, { recursive: true, force: true });
    }
    return { removed, bytesReclaimed };
  }

  /** Record `containerId` as a user of `name`. VolumeNotFoundError when `name` does not exist. Idempotent. */
  async acquire(name: string, containerId: string): Promise<void> {
    checkContainerId(containerId);
    await this.locked(name, async () => {
      await this.inspect(name);
      await recordUser(this.volumeDir(name), containerId);
    });
  }

  /** Drop `containerId` from the users of `name`; nothing happens when it was not one, or the volume is gone. */
  async release(name: string, containerId: string): Promise<void> {
    await forgetUser(this.volumeDir(name), containerId);
  }

  /** Ids of the containers using `name`, sorted. VolumeNotFoundError when it does not exist. */
  async users(name: string): Promise<string[]> {
    await this.inspect(name);
    return this.liveUsers(name, false);
  }

  /**
   * Run `fill(dataDir)` holding the volume's lock, only when its `_data` is
   * empty; resolves whether `fill` ran. This is docker's copy-up: the first
   * container to mount an empty volume populates it, and a second container
   * starting at the same moment waits, then finds it full. When `fill`
   * fails, what it wrote is removed, so the volume is empty again.
   */
  async fillIfEmpty(name: string, fill: (dataDir: string) => Promise<void>): Promise<boolean> {
    return this.locked(name, async () => {
      const data = (await this.inspect(name)).Mountpoint;
      if ((await readdir(data)).length > 0) return false;
      try {
        await fill(data);
      } catch (e) {
        for (const n of await readdir(data).catch(() => [] as string[])) await rm(join(data, n), { recursive: true, force: true });
        throw e;
      }
      return true;
    });
  }

  private volumeDir(name: string): string {
    checkVolumeName(name);
    return join(this.dir, name);
  }

  private async locked<T>(name: string, fn: () => Promise<T>): Promise<T> {
    checkVolumeName(name);
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    return withFileLock(join(this.dir, `.${name}.lock`), fn, { timeoutMs: LOCK_TIMEOUT_MS });
  }

  /** Build the volume whole in a staging dir, then rename it into place; an existing one wins. */
  private async make(name: string, labels: VolumeLabels, user: string | undefined): Promise<{ volume: Volume; created: boolean }> {
    const final = this.volumeDir(name);
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const staging = join(this.dir, `.creating-${process.pid}-${randomBytes(6).toString("hex")}`);
    try {
      await mkdir(join(staging, DATA_DIR), { recursive: true, mode: 0o755 });
      await writeFileAtomic(join(staging, RECORD_FILE), recordText(name, join(final, DATA_DIR), labels, new Date()));
      if (user !== undefined) await recordUser(staging, user);
      await fsyncDir(staging);
      await rename(staging, final);
      await fsyncDir(this.dir);
      return { volume: await this.inspect(name), created: true };
    } catch (e) {
      await rm(staging, { recursive: true, force: true });
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== "ENOTEMPTY" && code !== "EEXIST") throw e;
    }
    if (user !== undefined) await this.acquire(name, user);
    return { volume: await this.inspect(name), created: false };
  }

  /** Take `name` out of sight in one rename; the caller deletes the returned directory. */
  private async renameAway(name: string): Promise<string> {
    const away = join(this.dir, `.removing-${randomBytes(6).toString("hex")}`);
    await rename(this.volumeDir(name), away);
    await fsyncDir(this.dir);
    return away;
  }

  private liveUsers(name: string, dropDead: boolean): Promise<string[]> {
    return listUsers(this.volumeDir(name), this.opts.isContainerLive, dropDead);
  }

  /** Remove staging dirs of dead creators and dirs whose removal a crash interrupted. */
  private async sweep(): Promise<void> {
    for (const n of await readdir(this.dir).catch(() => [] as string[])) {
      const creating = /^\.creating-(\d+)-[0-9a-f]+$/.exec(n);
      const dead = n.startsWith(".removing-") || (creating !== null && !isProcessAlive(Number(creating[1])));
      if (dead) await rm(join(this.dir, n), { recursive: true, force: true }).catch(() => undefined);
    }
  }
}
