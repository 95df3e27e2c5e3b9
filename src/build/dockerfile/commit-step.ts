import { mkdir, rename, rm, rmdir } from "node:fs/promises";
import type { BlobIngester } from "../../content/index.js";
import type { SnapshotInfo, SnapshotStore } from "../../image/index.js";
import { BerthError, digestOf, type Digest } from "../../oci/index.js";
import { writeUpperDirLayer, type UpperDirLayer } from "./upper-dir-layer.js";

/** Options for {@link commitStep}. */
export interface CommitStepOptions {
  /** The step's upper dir, unmounted (StepRootfs.unmount); it is moved into the snapshot store or removed. */
  readonly upperDir: string;
  /** The image store's snapshots; must be in overlay format and on the upper dir's filesystem. */
  readonly snapshots: SnapshotStore;
  /** ChainID of the snapshot the step ran on; undefined for a step on scratch. */
  readonly parentChainId: Digest | undefined;
  /** Where the layer blob goes (the image store's content). */
  readonly ingester: BlobIngester;
  /** Clamp mtimes in the layer to at most this (SOURCE_DATE_EPOCH); the snapshot keeps the files as they are. */
  readonly epochSeconds?: number;
  readonly signal?: AbortSignal;
}

/** A committed step: its layer and the snapshot the next step runs on. */
export interface CommittedStep {
  /** The layer blob (a WrittenLayer) and the opaque dirs its snapshot records. */
  readonly layer: UpperDirLayer;
  /** `chainIds([…parent's diffIDs, layer.diffId])`'s last: give `snapshots.lowerDirs(chainId)` to the next step. */
  readonly chainId: Digest;
  readonly snapshot: SnapshotInfo;
}

/**
 * How every RUN, COPY and ADD step ends: write the upper dir as a layer
 * (writeUpperDirLayer), then make that same directory the snapshot of the
 * new ChainID by renaming it into the store (no copy). When the snapshot
 * exists already (another step reached the same diffID on the same parent)
 * the upper dir is removed instead. Either way `upperDir` is gone when this
 * resolves. Throws FAILED_PRECONDITION for a marker-format store or an upper
 * dir on another filesystem (it is then left in place); the snapshot
 * store's and the layer writer's errors otherwise.
 */
export async function commitStep(opts: CommitStepOptions): Promise<CommittedStep> {
  const { snapshots, upperDir } = opts;
  if (snapshots.format !== "overlay") {
    throw new BerthError("FAILED_PRECONDITION", `snapshots ${snapshots.dir}: marker format; a build step's upper dir is in overlay format`, {
      hint: "build as root with mknod and setfattr (Debian package attr) installed, on a filesystem with trusted xattrs",
    });
  }
  const layer = await writeUpperDirLayer(upperDir, opts.ingester, {
    ...(opts.epochSeconds !== undefined && { epochSeconds: opts.epochSeconds }),
    ...(opts.signal && { signal: opts.signal }),
  });
  opts.signal?.throwIfAborted();
  // The ChainID rule of image-spec (see chainIds): sha256(parent + " " + diffID).
  const chainId = opts.parentChainId === undefined ? layer.diffId : digestOf(`${opts.parentChainId} ${layer.diffId}`);
  let moved = false;
  const snapshot = await snapshots.create({ chainId, parent: opts.parentChainId, diffId: layer.diffId }, async (fsDir) => {
    await rmdir(fsDir);
    try {
      await rename(upperDir, fsDir);
    } catch (e) {
      await mkdir(fsDir).catch(() => undefined);
      if ((e as NodeJS.ErrnoException).code !== "EXDEV") throw e;
      throw new BerthError("FAILED_PRECONDITION", `step ${upperDir}: on another filesystem than the snapshots in ${snapshots.dir}`, {
        cause: e, hint: "put the build's step directories under the berth root",
      });
    }
    moved = true;
    return { size: layer.uncompressedSize, opaqueDirs: layer.opaqueDirs };
  });
  if (!moved) await rm(upperDir, { recursive: true, force: true, maxRetries: 3 });
  return { layer, chainId, snapshot };
}
