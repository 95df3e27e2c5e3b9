import type Database from "better-sqlite3";
import { checkAmount, checkInteger, checkName } from "./state-checks.js";
import type { UsageSample } from "../scaling/index.js";
import type { TableContext } from "./table-context.js";

interface SampleRow { project: string; service: string; container: string; time: number; cpu: number; memory_bytes: number }
type Statement<P extends unknown[], R = unknown> = Database.Statement<P, R>;

/** Which samples {@link SampleTable.list} returns: of one project (and service), taken at or after `sinceMs`. */
export interface SampleQuery {
  readonly project: string;
  readonly service?: string;
  readonly sinceMs: number;
}

/** Most samples one call to {@link SampleTable.add} takes: 100 containers sampled for a day at one-minute steps is 144 000. */
export const MAX_SAMPLES_PER_ADD = 200_000;

/**
 * CPU and memory samples of replicas, for the autoscaler and `berth
 * recommend`. Rows carry no key of their own; they are read by (project,
 * service, time) and deleted by time, both indexed.
 */
export class SampleTable {
  readonly #ctx: TableContext;
  readonly #insert: Statement<[SampleRow]>;
  readonly #byProject: Statement<[string, number], SampleRow>;
  readonly #byService: Statement<[string, string, number], SampleRow>;
  readonly #prune: Statement<[number]>;
  readonly #removeProject: Statement<[string]>;

  constructor(ctx: TableContext) {
    this.#ctx = ctx;
    const db = ctx.db;
    this.#insert = db.prepare(`INSERT INTO samples (project, service, container, time, cpu, memory_bytes)
      VALUES (@project, @service, @container, @time, @cpu, @memory_bytes)`);
    this.#byProject = db.prepare("SELECT * FROM samples WHERE project = ? AND time >= ? ORDER BY time, rowid");
    this.#byService = db.prepare("SELECT * FROM samples WHERE project = ? AND service = ? AND time >= ? ORDER BY time, rowid");
    this.#prune = db.prepare("DELETE FROM samples WHERE time < ?");
    this.#removeProject = db.prepare("DELETE FROM samples WHERE project = ?");
  }

  /** Store every sample in one transaction: all or none. A sample with a negative or non-finite value is refused before anything is written. */
  add(samples: readonly UsageSample[]): void {
    checkInteger("samples: count", samples.length, 0, MAX_SAMPLES_PER_ADD);
    const rows = samples.map(toRow);
    if (rows.length === 0) return;
    this.#ctx.write(`store ${rows.length} samples`, () => {
      for (const row of rows) this.#insert.run(row);
    });
  }

  /** Samples of the project (and service) taken at or after `sinceMs`, oldest first. */
  list(q: SampleQuery): UsageSample[] {
    const project = checkName("samples: project", q?.project);
    const since = checkInteger("samples: sinceMs", Math.ceil(q.sinceMs), Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
    return this.#ctx.run(`read samples of ${project}`, () => {
      const rows = q.service === undefined ? this.#byProject.all(project, since) : this.#byService.all(project, checkName("samples: service", q.service), since);
      return rows.map(fromRow);
    });
  }

  /** Delete every sample taken before `beforeMs`; returns how many. */
  prune(beforeMs: number): number {
    const before = checkInteger("pruneSamples: beforeMs", Math.ceil(beforeMs), Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
    return this.#ctx.write("prune samples", () => this.#prune.run(before).changes);
  }

  /** Delete the samples of the project's services (its stack is removed). */
  removeProject(project: string): number {
    return this.#ctx.write(`remove samples of ${project}`, () => this.#removeProject.run(project).changes);
  }
}

function toRow(s: UsageSample, i: number): SampleRow {
  const where = `samples[${i}]`;
  return {
    project: checkName(`${where}: project`, s?.project),
    service: checkName(`${where}: service`, s.service),
    container: checkName(`${where}: container`, s.container),
    time: checkInteger(`${where}: time`, Math.round(checkAmount(`${where}: time`, s.time)), 0, Number.MAX_SAFE_INTEGER),
    cpu: checkAmount(`${where}: cpu`, s.cpu),
    memory_bytes: checkInteger(`${where}: memoryBytes`, Math.round(checkAmount(`${where}: memoryBytes`, s.memoryBytes)), 0, Number.MAX_SAFE_INTEGER),
  };
}

const fromRow = (row: SampleRow): UsageSample => ({
  project: row.project,
  service: row.service,
  container: row.container,
  time: row.time,
  cpu: row.cpu,
  memoryBytes: row.memory_bytes,
});
