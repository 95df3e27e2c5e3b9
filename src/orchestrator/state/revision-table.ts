import type Database from "better-sqlite3";
import { InvalidArgumentError } from "../../oci/index.js";
import type { PlannedService } from "../stack/index.js";
import { checkName, checkText, toJson } from "./state-checks.js";
import { RevisionNotFoundError } from "../rollout/errors.js";
import type { RevisionLog, RevisionStatus, ServiceRevision } from "../rollout/service-revision.js";
import type { TableContext } from "./table-context.js";

/** Revisions kept per service; beyond it the oldest superseded or failed ones are dropped, never the current or previous. */
export const MAX_REVISIONS = 10;

interface RevisionRow {
  project: string; service: string; revision: number; config_hash: string; image: string; image_id: string; plan: string; created: string; status: RevisionStatus;
}
type Statement<P extends unknown[], R = unknown> = Database.Statement<P, R>;

/**
 * The {@link RevisionLog} in the state database, with the status changes the
 * interface documents, exactly as rollout's MemoryRevisionLog makes them
 * (including the cap: past 10, the oldest `superseded` or `failed` goes). Each method is one
 * transaction, so the daemon and a CLI command never see two current
 * revisions, and a crash leaves the log as before or after the change
 * (two unique partial indexes make "one current, one previous" a rule of
 * the file, not only of this code).
 */
export class SqliteRevisionLog implements RevisionLog {
  readonly #ctx: TableContext;
  readonly #get: Statement<[string, string, number], RevisionRow>;
  readonly #withStatus: Statement<[string, string, RevisionStatus], RevisionRow>;
  readonly #list: Statement<[string, string], RevisionRow>;
  readonly #next: Statement<[string, string], number>;
  readonly #insert: Statement<[RevisionRow]>;
  readonly #setStatus: Statement<[RevisionStatus, string, string, number]>;
  readonly #demote: Statement<[RevisionStatus, string, string, RevisionStatus]>;
  readonly #prune: Statement<[string, string, string, string, number]>;
  readonly #removeProject: Statement<[string]>;

  constructor(ctx: TableContext) {
    this.#ctx = ctx;
    const db = ctx.db;
    this.#get = db.prepare("SELECT * FROM revisions WHERE project = ? AND service = ? AND revision = ?");
    this.#withStatus = db.prepare("SELECT * FROM revisions WHERE project = ? AND service = ? AND status = ?");
    this.#list = db.prepare("SELECT * FROM revisions WHERE project = ? AND service = ? ORDER BY revision DESC");
    this.#next = db.prepare<[string, string], number>("SELECT coalesce(max(revision), 0) + 1 FROM revisions WHERE project = ? AND service = ?").pluck();
    this.#insert = db.prepare(`INSERT INTO revisions (project, service, revision, config_hash, image, image_id, plan, created, status)
      VALUES (@project, @service, @revision, @config_hash, @image, @image_id, @plan, @created, @status)`);
    this.#setStatus = db.prepare("UPDATE revisions SET status = ? WHERE project = ? AND service = ? AND revision = ?");
    this.#demote = db.prepare("UPDATE revisions SET status = ? WHERE project = ? AND service = ? AND status = ?");
    this.#prune = db.prepare(`DELETE FROM revisions WHERE rowid IN (
      SELECT rowid FROM revisions WHERE project = ? AND service = ? AND status IN ('superseded', 'failed')
      ORDER BY revision
      LIMIT max(0, (SELECT count(*) FROM revisions WHERE project = ? AND service = ?) - ?))`);
    this.#removeProject = db.prepare("DELETE FROM revisions WHERE project = ?");
  }

  current(project: string, service: string): ServiceRevision | undefined {
    return this.#ctx.run(`read current revision of ${project}/${service}`, () => {
      const row = this.#withStatus.get(project, service, "current");
      return row === undefined ? undefined : this.#fromRow(row);
    });
  }

  list(project: string, service: string): ServiceRevision[] {
    return this.#ctx.run(`list revisions of ${project}/${service}`, () => this.#list.all(project, service).map((r) => this.#fromRow(r)));
  }

  record(rev: Omit<ServiceRevision, "revision" | "created" | "status">): ServiceRevision {
    const project = checkName("revision: project", rev?.project);
    const service = checkName("revision: service", rev.service);
    if (typeof rev.plan !== "object" || rev.plan === null) throw new InvalidArgumentError(`revision of ${project}/${service}: plan: expected a planned service`);
    const row: RevisionRow = {
      project, service, revision: 0,
      config_hash: checkText(`revision of ${project}/${service}: configHash`, rev.configHash),
      image: checkText(`revision of ${project}/${service}: image`, rev.image),
      image_id: checkText(`revision of ${project}/${service}: imageId`, rev.imageId),
      plan: toJson(`revision of ${project}/${service}: plan`, rev.plan),
      created: new Date().toISOString(),
      status: "current",
    };
    return this.#ctx.write(`record a revision of ${project}/${service}`, () => {
      row.revision = this.#next.get(project, service) ?? 1;
      this.#demote.run("superseded", project, service, "previous");
      this.#demote.run("previous", project, service, "current");
      this.#insert.run(row);
      this.#prune.run(project, service, project, service, MAX_REVISIONS);
      return this.#fromRow(row);
    });
  }

  markFailed(project: string, service: string, revision: number): void {
    this.#ctx.write(`mark revision ${revision} of ${project}/${service} failed`, () => {
      if (this.#setStatus.run("failed", project, service, revision).changes === 0) throw new RevisionNotFoundError(project, service, revision);
    });
  }

  restore(project: string, service: string, revision: number): ServiceRevision {
    return this.#ctx.write(`restore revision ${revision} of ${project}/${service}`, () => {
      const target = this.#get.get(project, service, revision);
      if (target === undefined) throw new RevisionNotFoundError(project, service, revision);
      if (target.status === "current") return this.#fromRow(target);
      // The interface's rule, step by step; this order keeps the unique indexes satisfied after every statement.
      this.#setStatus.run("superseded", project, service, revision);
      this.#demote.run("superseded", project, service, "previous");
      this.#demote.run("previous", project, service, "current");
      this.#setStatus.run("current", project, service, revision);
      return this.#fromRow({ ...target, status: "current" });
    });
  }

  /** Delete every revision of the project's services (its stack is removed). */
  removeProject(project: string): number {
    return this.#ctx.write(`remove revisions of ${project}`, () => this.#removeProject.run(project).changes);
  }

  #fromRow(row: RevisionRow): ServiceRevision {
    return {
      project: row.project,
      service: row.service,
      revision: row.revision,
      configHash: row.config_hash,
      image: row.image,
      imageId: row.image_id,
      plan: this.#ctx.json<PlannedService>(`revision ${row.revision} of ${row.project}/${row.service}: plan`, row.plan),
      created: row.created,
      status: row.status,
    };
  }
}
