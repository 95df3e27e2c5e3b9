// The orchestrator's persisted state (SQLite): what the daemon and the CLI may use.
// The shapes it shares with other parts (ServiceRevision, RevisionLog, RolloutRecord,
// UsageSample, RevisionNotFoundError) are defined and exported by rollout/ and scaling/.
export { OrchestratorState, type OrchestratorStateOptions } from "./orchestrator-state.js";
export type { StoredStack } from "./stored-stack.js";
export { SqliteRevisionLog, MAX_REVISIONS } from "./revision-table.js";
export type { StoredEvent, EventQuery } from "./event-table.js";
export type { SampleQuery } from "./sample-table.js";
export { STATE_SCHEMA_VERSION, type StateDatabaseOptions } from "./state-database.js";
export { StateSchemaTooNewError, StateCorruptError, StateDatabaseError, StoredServiceNotFoundError } from "./state-errors.js";
