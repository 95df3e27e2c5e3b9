// Compose stacks on one host: plan, bring up, take down, status, reconcile. What other layers may use.
export { planStack, MAX_REPLICAS, type PlanStackOptions } from "./plan-stack.js";
export type { StackPlan, PlannedNetwork, PlannedVolume, PlannedFile, PlannedService, PlannedReplica } from "./stack-plan.js";
export { StackEngine, type StackEngineOptions, type UpOptions, type DownOptions, type DownResult } from "./stack-engine.js";
export { superviseStack, type SuperviseOptions } from "./supervise-stack.js";
export { stackLogs, type StackLogsOptions } from "./stack-logs.js";
export { PrefixedLines } from "./prefixed-lines.js";
export type { ReconcileResult } from "./reconcile-once.js";
export { replaceReason } from "./reconcile-once.js";
export { judgeDependency, type GateState } from "./dependency-gate.js";
export { healthSummary, type StackStatus, type ServiceStatus, type ReplicaStatus } from "./stack-status.js";
export type { StackEvent, StackAction, StackEventSink } from "./stack-event.js";
export { configHash, canonicalJson } from "./config-hash.js";
export { replicaHealth } from "./replica-health.js";
export {
  LABEL_PROJECT, LABEL_SERVICE, LABEL_NUMBER, LABEL_CONFIG_HASH, LABEL_NETWORK, LABEL_VOLUME, readReplicaIdentity, type ReplicaIdentity,
} from "./stack-labels.js";
export type { DesiredStack } from "./desired-state.js";
export {
  UnsupportedStackFeatureError, PublishedPortConflictError, ExternalResourceNotFoundError, ServiceImageError, DependencyFailedError,
  StackNotFoundError, type DependencyFailure,
} from "./errors.js";
export { observeStack, observedProjects, isReady, isUp, type ObservedReplica } from "./observe-stack.js";
