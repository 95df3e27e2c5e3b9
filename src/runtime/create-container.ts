import { randomBytes } from "node:crypto";
import { constants, mkdirSync } from "node:fs";
import { access, rm, stat } from "node:fs/promises";
import { hostPlatform, InvalidArgumentError } from "../oci/index.js";
import type { ContainerOptions } from "./container-options.js";
import { writeContainerRecord, type ContainerRecord, type HealthConfig, type RestartPolicy } from "./container-record.js";
import { INITIAL_STATE, writeContainerState } from "./container-state.js";
import { healthFromFlags, type HealthFlags } from "./health-config.js";
import { trace } from "./internal/trace.js";
import { whenAll } from "./internal/when-all.js";
import { publishAll } from "./network/index.js";
import { prepareRootfs, type PreparedRootfs } from "./prepared-rootfs.js";
import { OverlayRootfs } from "./rootfs.js";
import { imageVolumeRequests, releaseMounts, resolveMounts, type MountRequest } from "./volume/index.js";
import { storedRunImage } from "./fast-run/stored-run-image.js";
import type { PrepareImageOptions, RunImage } from "./run-image.js";
import type { RuntimeContext } from "./runtime-context.js";

/** `berth create` / `run` options beyond the process's: identity, policies, labels. */
export interface CreateContainerOptions extends ContainerOptions, PrepareImageOptions {
  readonly name?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly restartPolicy?: RestartPolicy;
  /** `--health-*` flags, merged over the image's HEALTHCHECK. */
  readonly healthFlags?: HealthFlags;
  /** A health check as it is (the flags' merge already done). */
  readonly health?: HealthConfig;
  /** `-v`/`--mount` requests: bind mounts, named and anonymous volumes (made here), tmpfs. */
  readonly mounts?: readonly MountRequest[];
  /** `-P`: publish every port the image exposes on a free host port. */
  readonly publishAll?: boolean;
  readonly autoRemove?: boolean;
  readonly tty?: boolean;
  /** The OCI runtime program (absolute path) for this container; default the root's (runc). */
  readonly runtime?: string;
}

/**
 * Make a container of `image` (found in the store, else pulled as docker
 * does): its directory, name, record and a `created` state. Nothing is
 * mounted or started. Throws InvalidArgumentError for options that cannot
 * work (a missing bind source), NameInUseError, or the image layer's errors;
 * on any failure nothing is left.
 */
export async function createContainer(ctx: RuntimeContext, image: string, opts: CreateContainerOptions = {}): Promise<ContainerRecord> {
  return (await makeContainer(ctx, image, opts, false)).record;
}

/** A container {@link createContainerToStart} made, and its rootfs being mounted (none when volumes are copied first). */
export interface ContainerToStart {
  readonly record: ContainerRecord;
  /** Pass it to the start (StartOptions.rootfs); let its mount settle before removing the container. */
  readonly rootfs?: PreparedRootfs;
}

/**
 * {@link createContainer} for a start that follows at once (`run`): the
 * rootfs is mounted while the record is written. The caller must start the
 * container with it, or await it before removing the container.
 */
export function createContainerToStart(ctx: RuntimeContext, image: string, opts: CreateContainerOptions = {}): Promise<ContainerToStart> {
  return makeContainer(ctx, image, opts, true);
}

async function makeContainer(ctx: RuntimeContext, image: string, opts: CreateContainerOptions, mountNow: boolean): Promise<ContainerToStart> {
  for (const b of opts.binds ?? []) {
    if ((await stat(b.source).catch(() => undefined)) === undefined) {
      throw new InvalidArgumentError(`-v ${b.source}:${b.destination}: source ${b.source} does not exist`, { hint: "create it first" });
    }
  }
  if (opts.runtime !== undefined && !(await access(opts.runtime, constants.X_OK).then(() => true, () => false))) {
    throw new InvalidArgumentError(`--runtime ${opts.runtime}: no such program, or not executable`, { hint: "give runc, crun or the absolute path of an OCI runtime (apt-get install crun)" });
  }
  if (opts.restartPolicy !== undefined && opts.restartPolicy.name !== "no" && opts.autoRemove) {
    throw new InvalidArgumentError("--restart and --rm cannot be used together", { hint: "a container that restarts is never removed on exit" });
  }
  const img = await runImage(ctx, image, opts);
  trace("create: image found");
  // The first point that holds both the flags and the image's HEALTHCHECK (a CLI talking to a daemon has no image).
  const health = opts.health ?? healthFromFlags(opts.healthFlags ?? {}, img.config.config?.Healthcheck);
  const id = randomBytes(32).toString("hex");
  const dir = ctx.dir(id);
  await ctx.ensureContainersDir();
  // Synchronous: one system call, where an asynchronous one waits for libuv's threads on a busy machine.
  mkdirSync(dir, { recursive: true });
  let named = false;
  const volumes = ctx.volumes();
  let held: string[] = [];
  let created: string[] = [];
  let rootfs: PreparedRootfs | undefined;
  try {
    const requests = [...imageVolumeRequests(img.config.config?.Volumes, opts.mounts ?? []), ...(opts.mounts ?? [])];
    // Volumes are filled from the image's files through a mount of their own, before the start's.
    // Awaited by the start, or below when the creation fails first.
    if (mountNow && requests.length === 0) rootfs = prepareRootfs(dir, img.lowerDirs, ctx.imageAccounts);
    if (opts.name !== undefined) {
      await ctx.names.claim(opts.name, id);
      named = true;
    }
    const mounts = requests.length === 0 ? undefined : await withImageRootfs(dir, img.lowerDirs, (rootfs) => resolveMounts(volumes, requests, id, rootfs));
    held = mounts?.volumes ?? [];
    created = mounts?.created ?? [];
    const publish = [...(opts.publish ?? []), ...(opts.publishAll ? await publishAll(img.config.config?.ExposedPorts ?? {}) : [])];
    const labels = { ...(img.config.config?.Labels ?? {}), ...(opts.labels ?? {}) };
    const record: ContainerRecord = {
      id,
      ...(opts.name !== undefined && { name: opts.name }),
      image: img.name,
      imageId: img.id,
      imageConfig: img.config.config ?? {},
      lowerDirs: img.lowerDirs,
      created: new Date().toISOString(),
      options: processOptions({
        ...opts,
        binds: [...(opts.binds ?? []), ...(mounts?.binds ?? [])],
        tmpfs: [...(opts.tmpfs ?? []), ...(mounts?.tmpfs ?? [])],
        publish,
      }),
      ...(held.length > 0 && { volumes: held, createdVolumes: created }),
      ...(Object.keys(labels).length > 0 && { labels }),
      ...(opts.restartPolicy !== undefined && { restartPolicy: opts.restartPolicy }),
      ...(health !== undefined && { health }),
      ...(opts.autoRemove && { autoRemove: true }),
      ...(opts.tty && { tty: true }),
      ...(opts.runtime !== undefined && opts.runtime !== ctx.runc.binary && { runtime: opts.runtime }),
      stopSignal: img.config.config?.StopSignal ?? "SIGTERM",
    };
    await whenAll([writeContainerState(dir, INITIAL_STATE), writeContainerRecord(dir, record)]);
    trace("create: record written");
    return { record, ...(rootfs !== undefined && { rootfs }) };
  } catch (e) {
    // The mount must be done and undone before the directory under it goes.
    if (rootfs !== undefined) await rootfs.mounted.then((r) => r.unmount(), () => undefined);
    // Only what this create made: a volume handed in by name (a replaced replica's) holds data to keep.
    if (held.length > 0) await releaseMounts(volumes, held, id, { removeAnonymous: created }).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
    if (named) await ctx.names.release(opts.name!, id);
    throw e;
  }
}

/** The image in the store, else pulled or unpacked by prepareRunImage (whose code is loaded only then; it applies `pull` too). */
async function runImage(ctx: RuntimeContext, image: string, opts: PrepareImageOptions): Promise<RunImage> {
  const stored = opts.pull === "always" ? undefined : await storedRunImage(ctx.store, image, opts.platform ?? hostPlatform());
  if (stored !== undefined) return stored;
  const { prepareRunImage } = await import("./run-image.js");
  return prepareRunImage(ctx.store, image, opts);
}

/**
 * Run `fn` with the image's files mounted (the container's own overlay,
 * unmounted after with its still-empty writable layer kept): what docker
 * copies into a new volume comes from there.
 */
async function withImageRootfs<T>(dir: string, lowerDirs: readonly string[], fn: (rootfs: string) => Promise<T>): Promise<T> {
  const rootfs = await OverlayRootfs.mount(dir, lowerDirs);
  try {
    return await fn(rootfs.path);
  } finally {
    await rootfs.unmount({ keepWritableLayer: true });
  }
}

/** The fields of ContainerOptions only: no progress callbacks or signals end up in container.json. */
function processOptions(o: CreateContainerOptions): ContainerOptions {
  const keys: readonly (keyof ContainerOptions)[] = [
    "entrypoint", "cmd", "env", "workdir", "user", "hostname", "readOnly", "tmpfs", "binds", "capAdd", "capDrop",
    "noNewPrivileges", "seccompProfile", "memory", "memorySwap", "cpus", "pidsLimit", "network", "networkAliases", "publish", "init",
  ];
  const out: Record<string, unknown> = {};
  for (const k of keys) if (o[k] !== undefined) out[k] = o[k];
  return out as ContainerOptions;
}
