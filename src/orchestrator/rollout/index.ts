// Rolling updates and rollback of a stack's services. What other layers may use.
export { rolloutService, type RolloutOptions, type RolloutResult, type RollbackTarget } from "./rollout-service.js";
export { rolloutRevision, undoRollout, revisionImage, type RevisionRolloutOptions, type RevisionRolloutResult, type UndoRolloutOptions } from "./rollout-revision.js";
export type { ReplicaChange } from "./rollout-batch.js";
export { planRollout, planLeftovers, oldName, isOldName, type RolloutPlan, type RolloutStep, type LeftoverAction, type PlanRolloutOptions } from "./rollout-plan.js";
export { readyBoundMs } from "./replica-gate.js";
export { MemoryRevisionLog } from "./memory-revision-log.js";
export { isUnfinished, type ServiceRevision, type RevisionLog, type RevisionStatus, type RolloutRecord, type RolloutState } from "./service-revision.js";
export { revisionHistoryRows, rolloutStatusRows, formatElapsed, REVISION_COLUMNS, ROLLOUT_COLUMNS, type RevisionRow, type RolloutStatusRow } from "./rollout-rows.js";
export { RolloutFailedError, NothingToUndoError, RevisionNotFoundError } from "./errors.js";
