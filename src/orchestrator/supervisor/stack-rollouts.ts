import { isUnfinished, revisionImage, rolloutRevision, undoRollout, type ReplicaChange, type RevisionRolloutResult, type RolloutRecord, type ServiceRevision } from "../rollout/index.js";
import { emitterFor } from "../stack/stack-event.js";
import type { PlannedService } from "../stack/stack-plan.js";
import type { OperationSinks, StackSupervisor, SupervisedStack } from "./stack-supervisor.js";

/**
 * The daemon's side of rolling updates (the updates themselves run inside
 * `up`, see convergeService): progress kept in SQLite, `rollout undo`,
 * the status and history the CLI shows, the plan a reconcile pass makes
 * replicas from after a rollback, and — when a daemon starts and finds a
 * rollout it did not finish — finishing it: the revision log's current
 * revision is rolled out again (a rollback made the old one current before
 * any replica moved, so this finishes an update and a rollback alike).
 */
export class StackRollouts {
  constructor(private readonly sup: StackSupervisor, private readonly afterReplicaChange?: (change: ReplicaChange) => Promise<void>) {}

  /** Persist a rollout's progress (the engine's onRolloutProgress). */
  readonly progress = (r: RolloutRecord): void => this.sup.state.putRollout(r);

  /**
   * What replicas of `service` are made as by the reconcile loop: as the
   * file says, unless a rollback made an older revision current — then as
   * that revision (a replica that dies must not come back as the config
   * that failed).
   */
  planFor(project: string): (service: PlannedService) => PlannedService {
    return (service) => {
      const cur = this.sup.state.revisions.current(project, service.name);
      if (cur === undefined || cur.configHash === service.configHash || cur.plan.replicaSpecs.length < service.replicas) return service;
      return { ...cur.plan, replicas: service.replicas, replicaSpecs: cur.plan.replicaSpecs.slice(0, service.replicas) };
    };
  }

  /** Finish what a previous daemon left under way; each one is said (an event) before and after. */
  async resumeUnfinished(): Promise<void> {
    for (const rec of this.sup.state.unfinishedRollouts()) {
      const kept = this.sup.get(rec.project);
      const say = (detail: string): void => this.sup.record({ time: new Date().toISOString(), project: rec.project, service: rec.service, action: "warning", detail });
      if (kept?.project === undefined) {
        say(`a rollout (${rec.state}, revision ${rec.to}) was under way when the daemon stopped; its stack cannot be read now, so it is left as it is`);
        continue;
      }
      const cur = this.sup.state.revisions.current(rec.project, rec.service);
      if (cur === undefined) continue;
      say(`finishing the rollout of ${rec.service} that a stopped daemon left ${rec.state}: to revision ${cur.revision}`);
      try {
        const result = await this.sup.exclusive(rec.project, () => this.rollTo(kept, cur, rec.state === "rolling-back"));
        say(`rollout of ${rec.service} resumed: ${result.state} (${result.detail})`);
      } catch (e) {
        say(`rollout of ${rec.service} could not be resumed: ${e instanceof Error ? e.message : String(e)}; the replicas may run two revisions: run berth up again`);
      }
    }
  }

  /** `berth rollout undo SERVICE`. */
  async undo(name: string, service: string, sinks: OperationSinks = {}): Promise<RevisionRolloutResult> {
    const kept = this.sup.requireLoaded(name);
    const deploy = this.sup.requireService(kept, service).deploy;
    return this.sup.exclusive(name, () => undoRollout({
      runtime: this.sup.engine.runtime, project: name, service, log: this.sup.state.revisions, rollback: deploy.rollbackConfig,
      emit: emitterFor(name, (e) => this.sup.record(e, sinks.onEvent)), onProgress: this.progress,
      ...(this.afterReplicaChange && { afterReplicaChange: this.afterReplicaChange }), ...(sinks.signal && { signal: sinks.signal }),
    }));
  }

  /** The last rollout of each service of a stack (for `berth rollout status`). */
  status(name: string): RolloutRecord[] {
    const kept = this.sup.get(name);
    const services = kept?.plan?.services.map((s) => s.name) ?? [];
    return services.flatMap((s) => this.sup.state.getRollout(name, s) ?? []);
  }

  /** A service's revisions, newest first (for `berth rollout history`). */
  history(name: string, service: string): ServiceRevision[] {
    this.sup.requireService(this.sup.requireLoaded(name), service);
    return this.sup.state.revisions.list(name, service);
  }

  /** Whether any rollout of the stack is under way (as recorded). */
  busy(name: string): boolean {
    return this.status(name).some((r) => isUnfinished(r.state));
  }

  private async rollTo(kept: SupervisedStack, rev: ServiceRevision, rollingBack: boolean): Promise<RevisionRolloutResult> {
    const deploy = kept.project!.services[rev.service]!.deploy;
    return rolloutRevision({
      runtime: this.sup.engine.runtime, project: rev.project, target: rev.plan, targetImage: await revisionImage(this.sup.engine.runtime.store, rev),
      log: this.sup.state.revisions, update: rollingBack ? deploy.rollbackConfig : deploy.updateConfig, rollback: deploy.rollbackConfig,
      emit: emitterFor(rev.project, (e) => this.sup.record(e)), onProgress: this.progress,
      ...(this.afterReplicaChange && { afterReplicaChange: this.afterReplicaChange }),
    });
  }
}
