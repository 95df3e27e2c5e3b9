import { randomBytes } from "node:crypto";
import { mkdir, rm, stat } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { writeFileAtomic } from "../content/index.js";
import { InvalidArgumentError } from "../oci/index.js";
import type { ImageStore } from "../image/index.js";
import { warmCgroupMigration } from "./cgroup/migration-warmup.js";
import { attachNetwork, detachNetwork } from "./container-network.js";
import { etcFilesIn } from "./etc-files.js";
import { writeContainerRecord, type ContainerRecord } from "./container-record.js";
import { writeContainerState, type ContainerState } from "./container-state.js";
import { publishAll } from "./network/index.js";
import { RuntimeContext } from "./runtime-context.js";
import { imageVolumeRequests, releaseMounts, resolveMounts, type MountRequest } from "./volume/index.js";
import { selfIdentity } from "./process-identity.js";
import { reapOrphans } from "./reap-orphans.js";
import type { ContainerOptions } from "./container-options.js";
import { classifyStartFailure, ContainerStartError, RootfsError } from "./errors.js";
import { nofileHardLimit } from "./host-limits.js";
import { readImageAccounts } from "./internal/read-in-root.js";
import { UndoStack } from "./internal/undo-stack.js";
import { isMountPoint, OverlayRootfs } from "./rootfs.js";
import type { RuncStdio } from "./runc.js";
import { prepareRunImage, type PrepareImageOptions } from "./run-image.js";
import { buildRuntimeSpec } from "./runtime-spec.js";
import { loadSeccompProfile } from "./seccomp-loader.js";

/** Options for {@link runContainer}: the container's, the image's and where output goes. */
export interface RunContainerOptions extends ContainerOptions, PrepareImageOptions {
  /** `--name`; unnamed containers are known by id only. */
  readonly name?: string;
  /** Pipe the container's stdout/stderr into these; default inherit berth's. */
  readonly stdio?: RuncStdio;
  /** The runc program; default /usr/sbin/runc. */
  readonly runcBinary?: string;
  /** `-t`: runc makes a terminal and proxies it to berth's stdio. */
  readonly tty?: boolean;
  /** `-i`: berth's stdin is the container's. */
  readonly interactive?: boolean;
  /** `-v`/`--mount` requests: binds, named volumes, anonymous volumes (removed with the container), tmpfs. */
  readonly mounts?: readonly MountRequest[];
  /** `-P`: every port the image exposes, on free host ports. */
  readonly publishAll?: boolean;
}

/** A container running in the foreground. */
export interface ForegroundContainer {
  /** 64 hex digits. */
  readonly id: string;
  readonly name?: string;
  /** Forward a signal to the container's process (through runc). */
  kill(signal: NodeJS.Signals): void;
  /**
   * Wait for the container to end, then delete it from runc, unmount and
   * remove its filesystem and directory. Resolves to its exit code; rejects
   * with ContainerStartError (exitCode 125/126/127) when its command never ran.
   */
  wait(): Promise<number>;
}

/**
 * `berth run` in the foreground: find or pull `image`, make the container
 * under `<store root>/containers/<id>/` (an overlay rootfs and a runtime-spec
 * bundle), and start it with runc (state in `<store root>/runc`). Nothing
 * outlives {@link ForegroundContainer.wait}: a failure at any step undoes the
 * steps before it. Throws InvalidArgumentError for options the image cannot
 * satisfy, RootfsError when the overlay cannot be mounted.
 */
export async function runContainer(store: ImageStore, image: string, opts: RunContainerOptions = {}): Promise<ForegroundContainer> {
  // `runc run` moves the container's init into its cgroups: the kernel's wait for that starts now.
  void warmCgroupMigration();
  for (const b of opts.binds ?? []) {
    const st = await stat(b.source).catch(() => undefined);
    if (st === undefined) throw new InvalidArgumentError(`-v ${b.source}:${b.destination}: source ${b.source} does not exist`, { hint: "create it first" });
  }
  const seccomp = await loadSeccompProfile(opts.seccompProfile);
  const img = await prepareRunImage(store, image, opts);
  const id = randomBytes(32).toString("hex");
  const ctx = new RuntimeContext(store);
  const dir = ctx.dir(id);
  const names = ctx.names;
  const runc = ctx.runtimeOf({ ...(opts.runcBinary !== undefined && { runtime: opts.runcBinary }) });
  await reapOrphans(ctx);
  const undo = new UndoStack();
  const teardown = (): Promise<void> => undo.run();
  try {
    await mkdir(dir, { recursive: true });
    undo.push(async () => {
      // A recursive delete would go through a rootfs still mounted into the image's snapshots.
      if (await isMountPoint(join(dir, "rootfs"))) throw new RootfsError("INTERNAL", join(dir, "rootfs"), "still mounted; not removing the container", `unmount it, then remove ${dir}`);
      await rm(dir, { recursive: true, force: true });
    });
    if (opts.name !== undefined) {
      await names.claim(opts.name, id);
      undo.push(() => names.release(opts.name!, id));
    }
    const owner = await selfIdentity();
    const {
      stdio: _stdio, runcBinary: _runc, onProgress: _p, onUnpack: _u, signal: _s, insecureRegistries: _i, platform: _pl, name: _n, tty: _t, interactive: _in,
      mounts: _m, publishAll: _pa, pull: _pull, ...asked
    } = opts;
    const base: ContainerRecord = {
      id, ...(opts.name !== undefined && { name: opts.name }), image: img.name, imageId: img.id, imageConfig: img.config.config ?? {},
      lowerDirs: img.lowerDirs, created: new Date().toISOString(), options: asked, owner, ...(opts.tty && { tty: true }),
      ...(opts.runcBinary !== undefined && opts.runcBinary !== ctx.runc.binary && { runtime: opts.runcBinary }),
    };
    await writeContainerRecord(dir, base);
    // This berth process is the container's monitor: `ps` shows it running while this process lives.
    const running: ContainerState = { status: "running", restartCount: 0, startedAt: new Date().toISOString(), monitor: owner };
    await writeContainerState(dir, running);
    const rootfs = await OverlayRootfs.mount(dir, img.lowerDirs);
    undo.push(() => rootfs.unmount());
    // Volumes (copied up from the image's files) and ports, as a container under conmon gets them; the
    // record is written again with them, so that `ps` can release what a killed berth left.
    const requests = [...imageVolumeRequests(img.config.config?.Volumes, opts.mounts ?? []), ...(opts.mounts ?? [])];
    const volumes = ctx.volumes();
    const resolved = requests.length === 0 ? undefined : await resolveMounts(volumes, requests, id, rootfs.path);
    if (resolved !== undefined) undo.push(async () => void (await releaseMounts(volumes, resolved.volumes, id, { removeAnonymous: true })));
    const record: ContainerRecord = {
      ...base,
      options: {
        ...asked,
        binds: [...(asked.binds ?? []), ...(resolved?.binds ?? [])],
        tmpfs: [...(asked.tmpfs ?? []), ...(resolved?.tmpfs ?? [])],
        publish: [...(asked.publish ?? []), ...(opts.publishAll ? publishAll(img.config.config?.ExposedPorts ?? {}) : [])],
      },
      ...(resolved !== undefined && resolved.volumes.length > 0 && { volumes: resolved.volumes }),
    };
    await writeContainerRecord(dir, record);
    const network = await attachNetwork(ctx, record);
    if (network.netnsPath !== undefined) {
      undo.push(() => detachNetwork(ctx, record, network));
      await writeContainerState(dir, { ...running, netnsPath: network.netnsPath, ...(network.state !== undefined && { network: network.state }) });
    }
    const spec = buildRuntimeSpec({
      id,
      image: img.config.config,
      options: record.options,
      ...(network.netnsPath !== undefined && { netnsPath: network.netnsPath }),
      ...(await readImageAccounts(rootfs.path)),
      nofileHardLimit: await nofileHardLimit(),
      hostHostname: hostname(),
      etcFiles: etcFilesIn(dir),
      ...(seccomp && { seccomp }),
      ...(opts.tty && { terminal: true }),
    });
    await network.writeEtcFiles(spec.hostname ?? id.slice(0, 12));
    await writeFileAtomic(join(dir, "config.json"), JSON.stringify(spec, null, 2));
    undo.push(() => runc.delete(id, { cgroupsPath: spec.linux.cgroupsPath }));
    const run = runc.run(dir, id, { ...(opts.stdio ?? {}), ...((opts.interactive || opts.tty) && { stdin: "inherit" as const }) });
    const waited = run.exited.then(async (exit) => {
      await teardown();
      if (exit.startError !== undefined) throw new ContainerStartError(id, classifyStartFailure(exit.startError), exit.startError);
      return exit.code;
    }, async (e: unknown) => {
      await teardown().catch(() => undefined);
      throw e;
    });
    waited.catch(() => undefined);
    return { id, ...(opts.name !== undefined && { name: opts.name }), kill: (s) => run.kill(s), wait: () => waited };
  } catch (e) {
    await teardown().catch(() => undefined);
    throw e;
  }
}
