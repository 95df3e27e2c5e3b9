import { access, readdir } from "node:fs/promises";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { BerthError } from "../oci/index.js";
import { ensureTopDirectory, type ImageStore } from "../image/index.js";
import { ImageAccountsMemo } from "./image-accounts-memo.js";
import { Conmon } from "./conmon.js";
import { ContainerNames } from "./container-names.js";
import { readContainerRecord, type ContainerRecord } from "./container-record.js";
import { EXIT_HOOK_SH, EXIT_HOOK_WAITS } from "./exit-hook-sh.js";
import { Runc, runcStateDir } from "./runc.js";
import { VolumeStore } from "./volume/index.js";

/** Where a berth root keeps its containers, and the programs that run them. */
export interface RuntimeContextOptions {
  /** The OCI runtime; default Debian's runc. crun works too (`/usr/bin/crun`). */
  readonly runtimeBinary?: string;
  readonly conmonBinary?: string;
  /** Bytes of log kept per container before conmon starts it over; default 10 MiB, 0 for no limit. */
  readonly logSizeMax?: number;
}

/** The container could not be found by id, id prefix or name. */
export class ContainerNotFoundError extends BerthError {
  constructor(readonly ref: string) {
    super("NOT_FOUND", `no such container: ${ref}`, { hint: "see `berth ps -a` for the containers there are" });
  }
}

/** The container is not in a state that allows the operation. */
export class ContainerStateError extends BerthError {
  constructor(readonly containerId: string, detail: string, hint: string) {
    super("FAILED_PRECONDITION", `container ${containerId.slice(0, 12)}: ${detail}`, { hint });
  }
}

const DEFAULT_LOG_SIZE_MAX = 10 * 1024 * 1024;

/**
 * Everything the lifecycle steps share: the image store, the containers
 * dir (`<root>/containers/<id>/`), runc with its state under `<root>/runc`,
 * conmon, names, and the exit hook conmon runs when a container ends.
 */
export class RuntimeContext {
  readonly containersDir: string;
  readonly runc: Runc;
  readonly conmon: Conmon;
  readonly names: ContainerNames;
  readonly logSizeMax: number;
  /** The accounts of images started here, for new containers' starts (prepared-rootfs.ts). */
  readonly imageAccounts = new ImageAccountsMemo();
  private readonly others = new Map<string, Runc>();
  private containersDirMade: Promise<void> | undefined;

  constructor(readonly store: ImageStore, opts: RuntimeContextOptions = {}) {
    this.containersDir = join(store.root, "containers");
    const runtime = opts.runtimeBinary ?? "/usr/sbin/runc";
    this.runc = new Runc({ stateDir: runcStateDir(store.root), binary: runtime });
    this.conmon = new Conmon(opts.conmonBinary, runtime);
    this.names = new ContainerNames(this.containersDir);
    this.logSizeMax = opts.logSizeMax ?? DEFAULT_LOG_SIZE_MAX;
  }

  /**
   * The OCI runtime of container `record`: the root's default (`runc`,
   * state under `<root>/runc`), or the one it was made with, its state
   * under `<root>/runtimes/<program name>` (crun's state is not runc's).
   */
  runtimeOf(record: { readonly runtime?: string }): Runc {
    const binary = record.runtime;
    if (binary === undefined || binary === this.runc.binary) return this.runc;
    let r = this.others.get(binary);
    if (r === undefined) {
      r = new Runc({ stateDir: join(this.root, "runtimes", basename(binary)), binary });
      this.others.set(binary, r);
    }
    return r;
  }

  get root(): string {
    return this.store.root;
  }

  /** The root's volumes; a user whose container directory is gone (lost in a crash) no longer holds one. */
  volumes(): VolumeStore {
    return new VolumeStore(this.root, { isContainerLive: (id) => access(this.dir(id)).then(() => true, () => false) });
  }

  /**
   * Make the containers dir when it is not there, marked as the top of
   * unrelated trees (image's ensureTopDirectory): containers are made and
   * removed over and over. Once per context; a failure is tried again.
   */
  ensureContainersDir(): Promise<void> {
    this.containersDirMade ??= ensureTopDirectory(this.containersDir).catch((e: unknown) => {
      this.containersDirMade = undefined;
      throw e;
    });
    return this.containersDirMade;
  }

  dir(id: string): string {
    return join(this.containersDir, id);
  }

  logPath(id: string): string {
    return join(this.dir(id), "ctr.log");
  }

  exitFile(id: string): string {
    return join(this.dir(id), "exits", id);
  }

  /**
   * What conmon runs when container `id`'s run `runId` ends: {@link EXIT_HOOK_SH},
   * which ends at once when another berth process has settled the run or
   * is settling it, and otherwise runs this module's sibling exit-hook.js
   * under the same Node (so a container started from the library needs no
   * `berth` on PATH).
   */
  exitCommand(id: string, runId: string): string[] {
    const hook = fileURLToPath(new URL("./exit-hook.js", import.meta.url));
    return ["/bin/sh", "-c", EXIT_HOOK_SH, "berth-exit-hook", this.dir(id), runId, EXIT_HOOK_WAITS, process.execPath, hook, this.root, id, runId, this.runc.binary];
  }

  /** Ids of all containers (64 hex) with a directory. */
  async ids(): Promise<string[]> {
    const entries = await readdir(this.containersDir).catch(() => [] as string[]);
    return entries.filter((e) => /^[0-9a-f]{64}$/.test(e));
  }

  /**
   * The container a user means: a full id, a unique id prefix, or a name
   * (docker's order: exact id, then name, then prefix).
   */
  async resolve(ref: string): Promise<ContainerRecord> {
    const ids = await this.ids();
    if (ids.includes(ref)) {
      const r = await readContainerRecord(this.dir(ref));
      if (r) return r;
    }
    const named = await this.names.lookup(ref);
    if (named !== undefined) {
      const r = await readContainerRecord(this.dir(named));
      if (r) return r;
    }
    if (/^[0-9a-f]{1,63}$/.test(ref)) {
      const matches = ids.filter((i) => i.startsWith(ref));
      if (matches.length > 1) throw new BerthError("INVALID_ARGUMENT", `container id prefix ${ref} is ambiguous (${matches.length} containers)`, { hint: "give more characters" });
      if (matches.length === 1) {
        const r = await readContainerRecord(this.dir(matches[0]!));
        if (r) return r;
      }
    }
    throw new ContainerNotFoundError(ref);
  }
}
