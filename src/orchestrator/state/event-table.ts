import type Database from "better-sqlite3";
import { InvalidArgumentError } from "../../oci/index.js";
import type { StackAction, StackEvent } from "../stack/index.js";
import { checkInteger, checkName, checkText, checkTime, clipText } from "./state-checks.js";
import type { TableContext } from "./table-context.js";

/** An event as stored: the {@link StackEvent} and its id, which grows with every append and is never reused. */
export type StoredEvent = StackEvent & { readonly id: number };

/** Which events {@link EventTable.list} returns: ids above `afterId`, of one project (and service), at most `limit`. */
export interface EventQuery {
  readonly afterId?: number;
  readonly project?: string;
  /** Needs `project`; "" selects the project-wide events. */
  readonly service?: string;
  /** Default 1000, at most 100 000. */
  readonly limit?: number;
  /** The newest `limit` events that match (still returned oldest first), not the oldest: `berth events -p shop -n 20`. */
  readonly newest?: boolean;
}

/** Options of {@link EventTable}. */
export interface EventTableOptions {
  /** Events kept; older ones are pruned. Default 100 000. */
  readonly maxEvents?: number;
  /** Appends (by this connection) between two prunes. Default 1000. */
  readonly pruneEvery?: number;
}

const DEFAULT_LIMIT = 1000;
const MAX_LIMIT = 100_000;
/** Rows deleted per transaction when pruning, so a reader or writer in another process waits milliseconds, not seconds. */
const PRUNE_BATCH = 5000;

interface EventRow { id: number; time: string; project: string; service: string; container: string | null; action: string; detail: string }
type Statement<P extends unknown[], R = unknown> = Database.Statement<P, R>;

/**
 * The event log (`berth events`): append-only, oldest first. The id is an
 * AUTOINCREMENT key, so it never goes back even when the newest rows were
 * pruned or deleted: a follower's `afterId` cursor stays valid. The table is
 * capped by pruning the oldest rows every `pruneEvery` appends rather than on
 * each one, which would turn every append into a delete too.
 */
export class EventTable {
  readonly #ctx: TableContext;
  readonly #maxEvents: number;
  readonly #pruneEvery: number;
  #appendsSincePrune = 0;
  readonly #insert: Statement<[Omit<EventRow, "id">]>;
  readonly #all: Statement<[number, number], EventRow>;
  readonly #byProject: Statement<[string, number, number], EventRow>;
  readonly #byService: Statement<[string, string, number, number], EventRow>;
  readonly #allNewest: Statement<[number, number], EventRow>;
  readonly #byProjectNewest: Statement<[string, number, number], EventRow>;
  readonly #byServiceNewest: Statement<[string, string, number, number], EventRow>;
  readonly #lastId: Statement<[], number>;
  readonly #cutoff: Statement<[number], number>;
  readonly #pruneBatch: Statement<[number, number]>;

  constructor(ctx: TableContext, opts: EventTableOptions = {}) {
    this.#ctx = ctx;
    this.#maxEvents = checkInteger("maxEvents", opts.maxEvents ?? 100_000, 1, Number.MAX_SAFE_INTEGER);
    this.#pruneEvery = checkInteger("pruneEvery", opts.pruneEvery ?? 1000, 1, Number.MAX_SAFE_INTEGER);
    const db = ctx.db;
    this.#insert = db.prepare(`INSERT INTO events (time, project, service, container, action, detail)
      VALUES (@time, @project, @service, @container, @action, @detail)`);
    this.#all = db.prepare("SELECT * FROM events WHERE id > ? ORDER BY id LIMIT ?");
    this.#byProject = db.prepare("SELECT * FROM events WHERE project = ? AND id > ? ORDER BY id LIMIT ?");
    this.#byService = db.prepare("SELECT * FROM events WHERE project = ? AND service = ? AND id > ? ORDER BY id LIMIT ?");
    this.#allNewest = db.prepare("SELECT * FROM events WHERE id > ? ORDER BY id DESC LIMIT ?");
    this.#byProjectNewest = db.prepare("SELECT * FROM events WHERE project = ? AND id > ? ORDER BY id DESC LIMIT ?");
    this.#byServiceNewest = db.prepare("SELECT * FROM events WHERE project = ? AND service = ? AND id > ? ORDER BY id DESC LIMIT ?");
    // sqlite_sequence, not max(id): the AUTOINCREMENT counter survives the deletion of the newest rows.
    this.#lastId = db.prepare<[], number>("SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'events'), 0)").pluck();
    this.#cutoff = db.prepare<[number], number>("SELECT id FROM events ORDER BY id DESC LIMIT 1 OFFSET ?").pluck();
    this.#pruneBatch = db.prepare("DELETE FROM events WHERE id IN (SELECT id FROM events WHERE id <= ? ORDER BY id LIMIT ?)");
  }

  /** Append `e`; returns its id, greater than every id returned before by any process. */
  append(e: StackEvent): number {
    const project = checkName("event: project", e?.project);
    const row = {
      time: checkTime(`event of ${project}: time`, e.time),
      project,
      service: e.service === "" ? "" : checkName(`event of ${project}: service`, e.service),
      container: e.container === undefined ? null : checkName(`event of ${project}: container`, e.container),
      action: checkName(`event of ${project}: action`, e.action),
      detail: clipText(`event of ${project}: detail`, e.detail),
    };
    const id = this.#ctx.run(`append an event of ${project}`, () => Number(this.#insert.run(row).lastInsertRowid));
    if (++this.#appendsSincePrune >= this.#pruneEvery) this.prune();
    return id;
  }

  /**
   * Events after `afterId` (default: from the first), of `project` (and of its
   * `service`; "" for project-wide events) when given, oldest first, at most
   * `limit` (default 1000): the first ones, or with `newest` the last ones.
   * A `service` without a `project` is an INVALID_ARGUMENT error.
   */
  list(q: EventQuery = {}): StoredEvent[] {
    const afterId = checkInteger("events: afterId", q.afterId ?? 0, 0, Number.MAX_SAFE_INTEGER);
    const limit = checkInteger("events: limit", q.limit ?? DEFAULT_LIMIT, 1, MAX_LIMIT);
    const { project, service } = q;
    if (project === undefined && service !== undefined) throw new InvalidArgumentError("events: a service filter needs a project");
    return this.#ctx.run("read events", () => {
      const [all, byProject, byService] = q.newest ? [this.#allNewest, this.#byProjectNewest, this.#byServiceNewest] : [this.#all, this.#byProject, this.#byService];
      const rows = project === undefined ? all.all(afterId, limit)
        : service === undefined ? byProject.all(checkText("events: project", project), afterId, limit)
        : byService.all(checkText("events: project", project), checkText("events: service", service), afterId, limit);
      return (q.newest ? rows.reverse() : rows).map(fromRow);
    });
  }

  /** The id of the newest event ever appended (0 when none): follow with `list({ afterId })`. */
  lastId(): number {
    return this.#ctx.run("read the last event id", () => this.#lastId.get() ?? 0);
  }

  /** Delete all but the newest `maxEvents` events, in batches; returns how many were deleted. */
  prune(): number {
    this.#appendsSincePrune = 0;
    const cutoff = this.#ctx.run("find events to prune", () => this.#cutoff.get(this.#maxEvents));
    if (cutoff === undefined) return 0;
    let deleted = 0;
    // At most `cutoff` rows have an id ≤ cutoff, so this many batches delete them all.
    const batches = Math.ceil(cutoff / PRUNE_BATCH) + 1;
    for (let i = 0; i < batches; i++) {
      const n = this.#ctx.write("prune events", () => this.#pruneBatch.run(cutoff, PRUNE_BATCH).changes);
      deleted += n;
      if (n < PRUNE_BATCH) break;
    }
    return deleted;
  }
}

const fromRow = (row: EventRow): StoredEvent => ({
  id: row.id,
  time: row.time,
  project: row.project,
  service: row.service,
  ...(row.container !== null && { container: row.container }),
  action: row.action as StackAction,
  detail: row.detail,
});
