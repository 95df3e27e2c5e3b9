import type Database from "better-sqlite3";
import { InvalidArgumentError } from "../../oci/index.js";
import { checkInteger, checkName, checkTime, clipText } from "./state-checks.js";
import type { RolloutRecord, RolloutState } from "../rollout/service-revision.js";
import type { TableContext } from "./table-context.js";

const STATES: readonly RolloutState[] = ["updating", "rolling-back", "completed", "rolled-back", "failed", "paused"];

interface RolloutRow {
  project: string; service: string; from_revision: number | null; to_revision: number; state: RolloutState; detail: string; started: string; updated: string;
}
type Statement<P extends unknown[], R = unknown> = Database.Statement<P, R>;

/** The latest rollout of each service: one row per (project, service), overwritten as the rollout moves on. */
export class RolloutTable {
  readonly #ctx: TableContext;
  readonly #put: Statement<[RolloutRow]>;
  readonly #get: Statement<[string, string], RolloutRow>;
  readonly #unfinished: Statement<[], RolloutRow>;
  readonly #removeProject: Statement<[string]>;

  constructor(ctx: TableContext) {
    this.#ctx = ctx;
    const db = ctx.db;
    this.#put = db.prepare(`INSERT INTO rollouts (project, service, from_revision, to_revision, state, detail, started, updated)
      VALUES (@project, @service, @from_revision, @to_revision, @state, @detail, @started, @updated)
      ON CONFLICT (project, service) DO UPDATE SET from_revision = excluded.from_revision, to_revision = excluded.to_revision,
        state = excluded.state, detail = excluded.detail, started = excluded.started, updated = excluded.updated`);
    this.#get = db.prepare("SELECT * FROM rollouts WHERE project = ? AND service = ?");
    this.#unfinished = db.prepare("SELECT * FROM rollouts WHERE state IN ('updating', 'rolling-back') ORDER BY started, project, service");
    this.#removeProject = db.prepare("DELETE FROM rollouts WHERE project = ?");
  }

  /** Store `r` as the service's latest rollout, replacing the one before. */
  put(r: RolloutRecord): void {
    const row = toRow(r);
    this.#ctx.run(`store rollout of ${row.project}/${row.service}`, () => this.#put.run(row));
  }

  get(project: string, service: string): RolloutRecord | undefined {
    return this.#ctx.run(`read rollout of ${project}/${service}`, () => {
      const row = this.#get.get(project, service);
      return row === undefined ? undefined : fromRow(row);
    });
  }

  /** Rollouts a crashed daemon left `updating` or `rolling-back`, oldest first: the restarted one finishes or rolls back each. */
  unfinished(): RolloutRecord[] {
    return this.#ctx.run("list unfinished rollouts", () => this.#unfinished.all().map(fromRow));
  }

  /** Delete the rollouts of the project's services (its stack is removed). */
  removeProject(project: string): number {
    return this.#ctx.write(`remove rollouts of ${project}`, () => this.#removeProject.run(project).changes);
  }
}

function toRow(r: RolloutRecord): RolloutRow {
  const project = checkName("rollout: project", r?.project);
  const service = checkName("rollout: service", r.service);
  const where = `rollout of ${project}/${service}`;
  if (!STATES.includes(r.state)) throw new InvalidArgumentError(`${where}: state: expected one of ${STATES.join(", ")}, got ${JSON.stringify(r.state)}`);
  return {
    project,
    service,
    from_revision: r.from === undefined ? null : checkInteger(`${where}: from`, r.from, 1, Number.MAX_SAFE_INTEGER),
    to_revision: checkInteger(`${where}: to`, r.to, 1, Number.MAX_SAFE_INTEGER),
    state: r.state,
    detail: clipText(`${where}: detail`, r.detail),
    started: checkTime(`${where}: started`, r.started),
    updated: checkTime(`${where}: updated`, r.updated),
  };
}

const fromRow = (row: RolloutRow): RolloutRecord => ({
  project: row.project,
  service: row.service,
  from: row.from_revision ?? undefined,
  to: row.to_revision,
  state: row.state,
  detail: row.detail,
  started: row.started,
  updated: row.updated,
});
