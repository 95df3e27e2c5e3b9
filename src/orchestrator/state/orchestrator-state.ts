import type Database from "better-sqlite3";
import type { StackEvent } from "../stack/index.js";
import type { RevisionLog, RolloutRecord } from "../rollout/service-revision.js";
import type { UsageSample } from "../scaling/index.js";
import { EventTable, type EventQuery, type StoredEvent } from "./event-table.js";
import { SqliteRevisionLog } from "./revision-table.js";
import { RolloutTable } from "./rollout-table.js";
import { SampleTable, type SampleQuery } from "./sample-table.js";
import { StackTable } from "./stack-table.js";
import { openStateDatabase, type StateDatabaseOptions } from "./state-database.js";
import type { StoredStack } from "./stored-stack.js";
import { tableContext, type TableContext } from "./table-context.js";

/** Options of {@link OrchestratorState.open}. */
export interface OrchestratorStateOptions extends StateDatabaseOptions {
  /** Events kept; the oldest beyond it are pruned. Default 100 000. */
  readonly maxEvents?: number;
  /** Appends by this process between two prunes of the event log. Default 1000. */
  readonly pruneEventsEvery?: number;
}

/**
 * The orchestrator's persisted state, in one SQLite file (`<root>/daemon/state.db`):
 * desired stacks, revisions, rollouts, the event log and usage samples. See
 * README.md for the tables and why SQLite in WAL mode.
 *
 * Lifecycle: `open` → any calls → `close` (or `using`). Every call is
 * synchronous and is one transaction; several processes (the daemon, a CLI
 * reading events) may have the file open at once, and a write waits up to
 * the busy timeout for another's. Errors are BerthErrors: INVALID_ARGUMENT
 * for a value that cannot be stored (nothing is written), NOT_FOUND,
 * StateCorruptError for a damaged file, StateDatabaseError otherwise.
 */
export class OrchestratorState implements Disposable {
  /** The database file. */
  readonly path: string;
  /** The revision history of every service. */
  readonly revisions: RevisionLog;
  readonly #db: Database.Database;
  readonly #ctx: TableContext;
  readonly #stacks: StackTable;
  readonly #revisions: SqliteRevisionLog;
  readonly #rollouts: RolloutTable;
  readonly #events: EventTable;
  readonly #samples: SampleTable;

  private constructor(db: Database.Database, path: string, opts: OrchestratorStateOptions) {
    this.path = path;
    this.#db = db;
    this.#ctx = tableContext(db, path);
    this.#stacks = new StackTable(this.#ctx);
    this.#revisions = new SqliteRevisionLog(this.#ctx);
    this.revisions = this.#revisions;
    this.#rollouts = new RolloutTable(this.#ctx);
    this.#events = new EventTable(this.#ctx, { maxEvents: opts.maxEvents, pruneEvery: opts.pruneEventsEvery });
    this.#samples = new SampleTable(this.#ctx);
  }

  /**
   * Open the state database at `path`, creating it (mode 0600, its directory
   * 0700) and migrating its schema as needed. Throws StateSchemaTooNewError
   * for a file of a newer berth and StateCorruptError for one that is not a
   * berth state database (garbage, truncated, another program's).
   */
  static open(path: string, opts: OrchestratorStateOptions = {}): OrchestratorState {
    const db = openStateDatabase(path, opts);
    try {
      return new OrchestratorState(db, path, opts);
    } catch (err) {
      db.close();
      throw err;
    }
  }

  /** Close the connection (the last one to close checkpoints the WAL into the file). Safe to call twice. */
  close(): void {
    if (this.#db.open) this.#db.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }

  /** Store the desired state of `s.project`, replacing what was stored. */
  putStack(s: StoredStack): void {
    this.#stacks.put(s);
  }

  getStack(project: string): StoredStack | undefined {
    return this.#stacks.get(project);
  }

  /** Every stored stack, by project name. */
  listStacks(): StoredStack[] {
    return this.#stacks.list();
  }

  /** Forget a stack (`down`): its desired state, revisions, rollouts and samples, in one transaction. Its events stay. False when nothing was stored. */
  removeStack(project: string): boolean {
    return this.#ctx.write(`remove stack ${project}`, () => {
      const n = this.#revisions.removeProject(project) + this.#rollouts.removeProject(project) + this.#samples.removeProject(project);
      return this.#stacks.remove(project) || n > 0;
    });
  }

  /** Set the desired replica count of one service (scale, autoscale). Throws StackNotFoundError or StoredServiceNotFoundError. */
  setReplicas(project: string, service: string, replicas: number): void {
    this.#stacks.setReplicas(project, service, replicas);
  }

  /** Mark a stack stopped on purpose, or running again. Throws StackNotFoundError. */
  setStopped(project: string, stopped: boolean): void {
    this.#stacks.setStopped(project, stopped);
  }

  /** Store `r` as its service's latest rollout. */
  putRollout(r: RolloutRecord): void {
    this.#rollouts.put(r);
  }

  getRollout(project: string, service: string): RolloutRecord | undefined {
    return this.#rollouts.get(project, service);
  }

  /** Rollouts left `updating` or `rolling-back` (by a daemon that died), oldest first. */
  unfinishedRollouts(): RolloutRecord[] {
    return this.#rollouts.unfinished();
  }

  /** Append an event; returns its id, greater than any id before (across processes). */
  appendEvent(e: StackEvent): number {
    return this.#events.append(e);
  }

  /** Events matching `q`, oldest first (default: the first 1000). */
  events(q: EventQuery = {}): StoredEvent[] {
    return this.#events.list(q);
  }

  /** The id of the newest event ever appended, 0 when none. */
  lastEventId(): number {
    return this.#events.lastId();
  }

  /** Drop all but the newest events now (appends also do it every so often); returns how many were dropped. */
  pruneEvents(): number {
    return this.#events.prune();
  }

  /** Store samples, all in one transaction. */
  addSamples(samples: readonly UsageSample[]): void {
    this.#samples.add(samples);
  }

  /** Samples of a project (and service) since `sinceMs`, oldest first. */
  samples(q: SampleQuery): UsageSample[] {
    return this.#samples.list(q);
  }

  /** Delete samples taken before `beforeMs`; returns how many. */
  pruneSamples(beforeMs: number): number {
    return this.#samples.prune(beforeMs);
  }
}
