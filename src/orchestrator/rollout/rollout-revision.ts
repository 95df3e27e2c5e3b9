import { BerthError } from "../../oci/index.js";
import { prepareRunImage, type RunImage } from "../../runtime/index.js";
import type { ImageStore } from "../../image/index.js";
import { DEFAULT_ROLLBACK_CONFIG } from "../compose/deploy-schema.js";
import { emitterFor } from "../stack/stack-event.js";
import { NothingToUndoError } from "./errors.js";
import { rolloutService, type RolloutOptions, type RolloutResult } from "./rollout-service.js";
import type { RevisionLog, ServiceRevision } from "./service-revision.js";

/** Options of {@link rolloutRevision}: a rollout whose revisions a log keeps. */
export interface RevisionRolloutOptions extends Omit<RolloutOptions, "rollbackTo" | "onRollback" | "revisions"> {
  readonly log: RevisionLog;
  /** The image a recorded revision ran, for a rollback to it; default {@link revisionImage} from the runtime's store. */
  readonly imageFor?: (rev: ServiceRevision) => Promise<RunImage>;
}

/** A rollout's result and the revision it was for. */
export interface RevisionRolloutResult extends RolloutResult {
  readonly revision: ServiceRevision;
}

/**
 * The image `rev` ran, found in `store` by its reference and checked: a
 * reference that names another image now (a tag moved) is refused, since
 * the revision would not run what it ran. Throws the store's errors, or a
 * FAILED_PRECONDITION BerthError naming both images.
 */
export async function revisionImage(store: ImageStore, rev: ServiceRevision): Promise<RunImage> {
  const image = await prepareRunImage(store, rev.image);
  if (image.id !== rev.imageId) {
    throw new BerthError("FAILED_PRECONDITION", `revision ${rev.revision} of ${rev.service} ran ${rev.image} as image ${rev.imageId.slice(0, 19)}, which now names ${image.id.slice(0, 19)}`, {
      hint: `tag the old image as ${rev.image} again (berth tag ${rev.imageId.slice(7, 19)} ${rev.image}), or load it`,
    });
  }
  return image;
}

/**
 * Roll `target` out as a revision of the log: recorded as the new current
 * revision unless the current one is already it (same config hash and
 * image id: a resumed rollout keeps its revision number), then
 * rolloutService with a rollback to the revision before it. When the
 * rollback begins, the old revision becomes current again and the new one
 * failed — before any replica moves, so a daemon restarted mid-rollback
 * finishes it by rolling out the current revision.
 */
export async function rolloutRevision(opts: RevisionRolloutOptions): Promise<RevisionRolloutResult> {
  const { log, project } = opts;
  const name = opts.target.name;
  const imageFor = opts.imageFor ?? ((rev: ServiceRevision) => revisionImage(opts.runtime.store, rev));
  const cur = log.current(project, name);
  const same = cur !== undefined && cur.configHash === opts.target.configHash && cur.imageId === opts.targetImage.id;
  const revision = same ? cur : log.record({ project, service: name, configHash: opts.target.configHash, image: opts.target.image, imageId: opts.targetImage.id, plan: opts.target });
  const prev = same ? log.list(project, name).find((r) => r.status === "previous") : cur;
  const result = await rolloutService({
    ...opts,
    revisions: { ...(prev && { from: prev.revision }), to: revision.revision },
    ...(prev && {
      rollbackTo: async () => ({ plan: prev.plan, image: await imageFor(prev), revision: prev.revision }),
      onRollback: () => {
        log.restore(project, name, prev.revision);
        log.markFailed(project, name, revision.revision);
      },
    }),
  });
  return { ...result, revision: log.list(project, name).find((r) => r.revision === revision.revision) ?? revision };
}

/** Options of {@link undoRollout}. */
export interface UndoRolloutOptions extends Omit<RolloutOptions, "target" | "targetImage" | "rollbackTo" | "onRollback" | "revisions" | "update"> {
  readonly log: RevisionLog;
  /** The service's name. */
  readonly service: string;
  readonly imageFor?: (rev: ServiceRevision) => Promise<RunImage>;
}

/**
 * `berth rollout undo SERVICE`: back to the previous revision (the one
 * marked `previous`, else the newest older one that did not fail), rolled
 * out with `rollback` (the service's rollback_config) as its update
 * config; the log makes it current first, so undoing twice returns to
 * where it started, as `docker service rollback` does. Its failure action
 * is the rollback config's (pause or continue: an undo is not itself
 * rolled back). Throws NothingToUndoError when there is no such revision,
 * and the image's errors before any replica is touched.
 */
export async function undoRollout(opts: UndoRolloutOptions): Promise<RevisionRolloutResult> {
  const { log, project, service } = opts;
  const revisions = log.list(project, service);
  const cur = revisions.find((r) => r.status === "current");
  const prev = revisions.find((r) => r.status === "previous")
    ?? revisions.find((r) => r.status === "superseded" && (cur === undefined || r.revision < cur.revision));
  if (prev === undefined) throw new NothingToUndoError(project, service);
  const image = await (opts.imageFor ?? ((rev: ServiceRevision) => revisionImage(opts.runtime.store, rev)))(prev);
  const restored = log.restore(project, service, prev.revision);
  const emit = opts.emit ?? emitterFor(project, opts.onEvent);
  emit(service, "rollback", `rollout undo: ${service} back to revision ${prev.revision}`);
  const result = await rolloutService({
    ...opts,
    emit,
    target: restored.plan,
    targetImage: image,
    update: opts.rollback ?? DEFAULT_ROLLBACK_CONFIG,
    revisions: { ...(cur && { from: cur.revision }), to: prev.revision },
  });
  return { ...result, revision: restored };
}
