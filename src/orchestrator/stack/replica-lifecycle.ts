import type { ContainerRecord, ContainerRuntime, RunImage } from "../../runtime/index.js";
import { anonymousVolumesOf, withInheritedVolumes, type InheritedVolumes } from "./inherited-volumes.js";
import type { ObservedReplica } from "./observe-stack.js";
import { replicaHealth } from "./replica-health.js";
import type { Emit, StackAction } from "./stack-event.js";
import type { PlannedReplica, PlannedService } from "./stack-plan.js";

/** Counts the replacements of one replica slot, so `restart: on-failure:N` can give up after N. */
export const LABEL_REPLACEMENTS = "io.berth.stack.replacements";

/**
 * The three things done to a replica — make and start it, start it again,
 * take it away — each reported as one event. Shared by `up`, `down` and
 * `reconcileOnce` so that they act on replicas in one way.
 */
export class ReplicaLifecycle {
  constructor(readonly runtime: ContainerRuntime, readonly emit: Emit) {}

  /**
   * Create and start replica `spec` of `service` from `image` (the health
   * check merged over the image's), mounting the `inherited` anonymous
   * volumes of the container it replaces (see anonymousVolumesOf). A start
   * that fails removes the container again (ContainerRuntime.run) with the
   * anonymous volumes it made, so nothing half-made is left; the inherited
   * ones were handed in by name and stay, with their data, mounted by no
   * replica (the slot's next one gets fresh ones): `berth volume ls` lists them.
   */
  async create(
    service: PlannedService, spec: PlannedReplica, image: RunImage, action: StackAction = "create", detail = "", replacements = 0, inherited?: InheritedVolumes,
  ): Promise<ContainerRecord> {
    const health = replicaHealth(service.healthcheck, image.config.config?.Healthcheck, service.probe);
    const labels = { ...spec.options.labels, ...(replacements > 0 && { [LABEL_REPLACEMENTS]: String(replacements) }) };
    const mounts = inherited === undefined || inherited.size === 0 ? spec.options.mounts : withInheritedVolumes(spec.options.mounts ?? [], image.config.config?.Volumes, inherited);
    const { record } = await this.runtime.run(service.image, {
      ...spec.options,
      ...(mounts !== undefined && { mounts }),
      labels,
      ...(health !== undefined ? { health } : { healthFlags: { noHealthcheck: true } }),
    });
    this.emit(service.name, action, detail || `${action === "create" ? "created and started" : "started"} ${spec.name}`, spec.name);
    return record;
  }

  /** Start an existing replica that is not running (created, or exited with its config unchanged). */
  async start(service: string, r: ObservedReplica): Promise<void> {
    await this.runtime.start(r.summary.record);
    this.emit(service, "start", `started ${nameOf(r)}`, nameOf(r));
  }

  /** Stop a replica (its stop grace period, then SIGKILL) without removing it. */
  async stop(service: string, r: ObservedReplica, timeoutS: number | undefined): Promise<void> {
    const s = r.summary.state.status;
    if (s !== "running" && s !== "restarting") return;
    await this.runtime.stop(r.summary.record, timeoutS);
    this.emit(service, "stop", `stopped ${nameOf(r)}`, nameOf(r));
  }

  /** The anonymous volumes of `r` by container path, for the replica that replaces it (see {@link create}). */
  anonymousVolumes(r: ObservedReplica): Promise<InheritedVolumes> {
    return anonymousVolumesOf(this.runtime.ctx.volumes(), r.summary.record);
  }

  /**
   * Replace replica `r` with a new one for `spec`: `r` stopped and removed, its anonymous volumes
   * kept and mounted by the new replica at the same paths (a recreated database keeps its data),
   * one event (`action`, `detail`) for both halves. `replacements` goes on the new replica's label.
   */
  async replace(
    service: PlannedService, r: ObservedReplica, spec: PlannedReplica, image: RunImage, timeoutS: number | undefined, action: StackAction, detail: string, replacements = 0,
  ): Promise<ContainerRecord> {
    // Read before the old replica goes: its record names them.
    const inherited = await this.anonymousVolumes(r);
    await this.remove(service.name, r, timeoutS, true, true);
    return this.create(service, spec, image, action, detail, replacements, inherited);
  }

  /**
   * Stop and remove a replica, with its anonymous volumes unless
   * `keepVolumes` (a replica that is replaced hands them on, and `down`
   * without `-v` keeps them, as docker compose does; named volumes always
   * stay). A replica already gone counts as removed. `quiet` leaves the
   * event to the caller (recreate and replace report one event for both halves).
   */
  async remove(service: string, r: ObservedReplica, timeoutS: number | undefined, quiet = false, keepVolumes = false): Promise<void> {
    const s = r.summary.state.status;
    if (s === "running" || s === "restarting") await this.runtime.stop(r.summary.record, timeoutS).catch(() => undefined);
    try {
      await this.runtime.remove(r.summary.record, { force: true, volumes: !keepVolumes });
    } catch (e) {
      if ((e as { code?: string }).code !== "NOT_FOUND") throw e;
    }
    if (!quiet) this.emit(service, "remove", `removed ${nameOf(r)}`, nameOf(r));
  }
}

export const nameOf = (r: ObservedReplica): string => r.summary.record.name ?? r.summary.record.id.slice(0, 12);

/** How many times the slot of `r` has been replaced so far. */
export const replacementsOf = (r: ObservedReplica): number => {
  const n = Number(r.summary.record.labels?.[LABEL_REPLACEMENTS] ?? 0);
  return Number.isSafeInteger(n) && n > 0 ? n : 0;
};
