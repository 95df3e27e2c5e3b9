import type Database from "better-sqlite3";
import { InvalidArgumentError } from "../../oci/index.js";
import { MAX_REPLICAS, StackNotFoundError } from "../stack/index.js";
import { checkInteger, checkName, checkText, checkTime, toJson } from "./state-checks.js";
import { StoredServiceNotFoundError } from "./state-errors.js";
import type { StoredStack } from "./stored-stack.js";
import type { TableContext } from "./table-context.js";

interface StackRow {
  project: string; files: string; working_dir: string; env: string; profiles: string; enable: string; scale: string; stopped: number; updated: string;
}
interface ServiceRow { project: string; service: string; replicas: number }
type Statement<P extends unknown[], R = unknown> = Database.Statement<P, R>;

/** The desired state of stacks: one row per project in `stacks`, its replica counts in `stack_services`. */
export class StackTable {
  readonly #ctx: TableContext;
  readonly #upsert: Statement<[StackRow]>;
  readonly #get: Statement<[string], StackRow>;
  readonly #list: Statement<[], StackRow>;
  readonly #services: Statement<[string], ServiceRow>;
  readonly #allServices: Statement<[], ServiceRow>;
  readonly #clearServices: Statement<[string]>;
  readonly #putService: Statement<[string, string, number]>;
  readonly #setReplicas: Statement<[number, string, string]>;
  readonly #touch: Statement<[string, string]>;
  readonly #setStopped: Statement<[number, string, string]>;
  readonly #remove: Statement<[string]>;

  constructor(ctx: TableContext) {
    this.#ctx = ctx;
    const db = ctx.db;
    // An upsert, not INSERT OR REPLACE: a replace deletes the row first, and the delete would cascade to stack_services.
    this.#upsert = db.prepare(`INSERT INTO stacks (project, files, working_dir, env, profiles, enable, scale, stopped, updated)
      VALUES (@project, @files, @working_dir, @env, @profiles, @enable, @scale, @stopped, @updated)
      ON CONFLICT (project) DO UPDATE SET files = excluded.files, working_dir = excluded.working_dir, env = excluded.env,
        profiles = excluded.profiles, enable = excluded.enable, scale = excluded.scale, stopped = excluded.stopped, updated = excluded.updated`);
    this.#get = db.prepare("SELECT * FROM stacks WHERE project = ?");
    this.#list = db.prepare("SELECT * FROM stacks ORDER BY project");
    this.#services = db.prepare("SELECT * FROM stack_services WHERE project = ? ORDER BY service");
    this.#allServices = db.prepare("SELECT * FROM stack_services ORDER BY project, service");
    this.#clearServices = db.prepare("DELETE FROM stack_services WHERE project = ?");
    this.#putService = db.prepare("INSERT INTO stack_services (project, service, replicas) VALUES (?, ?, ?)");
    this.#setReplicas = db.prepare("UPDATE stack_services SET replicas = ? WHERE project = ? AND service = ?");
    this.#touch = db.prepare("UPDATE stacks SET updated = ? WHERE project = ?");
    this.#setStopped = db.prepare("UPDATE stacks SET stopped = ?, updated = ? WHERE project = ?");
    this.#remove = db.prepare("DELETE FROM stacks WHERE project = ?");
  }

  /** Store `s` whole, replacing what was stored for its project (its service counts included). */
  put(s: StoredStack): void {
    const row = toRow(s);
    const services = Object.entries(s.services ?? {}).map(([name, v]) =>
      [checkName(`services key`, name), checkInteger(`services.${name}.replicas`, v?.replicas, 0, MAX_REPLICAS)] as const);
    this.#ctx.write(`store stack ${row.project}`, () => {
      this.#upsert.run(row);
      this.#clearServices.run(row.project);
      for (const [name, replicas] of services) this.#putService.run(row.project, name, replicas);
    });
  }

  get(project: string): StoredStack | undefined {
    return this.#ctx.run(`read stack ${project}`, () => {
      const row = this.#get.get(project);
      return row === undefined ? undefined : this.#fromRow(row, this.#services.all(project));
    });
  }

  /** Every stored stack, by project name. */
  list(): StoredStack[] {
    return this.#ctx.run("list stacks", () => {
      const byProject = new Map<string, ServiceRow[]>();
      for (const r of this.#allServices.all()) {
        const rows = byProject.get(r.project);
        if (rows === undefined) byProject.set(r.project, [r]);
        else rows.push(r);
      }
      return this.#list.all().map((row) => this.#fromRow(row, byProject.get(row.project) ?? []));
    });
  }

  /** Delete the stack's row and service counts; false when there was none. */
  remove(project: string): boolean {
    return this.#ctx.write(`remove stack ${project}`, () => this.#remove.run(project).changes > 0);
  }

  /** Set a service's desired replica count. Throws StackNotFoundError or StoredServiceNotFoundError. */
  setReplicas(project: string, service: string, replicas: number): void {
    checkInteger(`${service}: replicas`, replicas, 0, MAX_REPLICAS);
    this.#ctx.write(`scale ${project}/${service}`, () => {
      if (this.#setReplicas.run(replicas, project, service).changes === 1) {
        this.#touch.run(new Date().toISOString(), project);
        return;
      }
      if (this.#get.get(project) === undefined) throw new StackNotFoundError(project);
      throw new StoredServiceNotFoundError(project, service, this.#services.all(project).map((r) => r.service));
    });
  }

  /** Mark the stack stopped on purpose (the reconcile loop starts nothing) or not. Throws StackNotFoundError. */
  setStopped(project: string, stopped: boolean): void {
    this.#ctx.write(`stop ${project}`, () => {
      if (this.#setStopped.run(stopped ? 1 : 0, new Date().toISOString(), project).changes === 0) throw new StackNotFoundError(project);
    });
  }

  #enable(where: string, text: string): { enable?: string[] } {
    const enable = this.#ctx.json<string[]>(`${where}: enable`, text);
    return enable.length > 0 ? { enable } : {};
  }

  #fromRow(row: StackRow, services: readonly ServiceRow[]): StoredStack {
    const where = `stack ${row.project}`;
    return {
      project: row.project,
      files: this.#ctx.json(`${where}: files`, row.files),
      workingDir: row.working_dir,
      env: this.#ctx.json(`${where}: env`, row.env),
      profiles: this.#ctx.json(`${where}: profiles`, row.profiles),
      ...this.#enable(where, row.enable),
      scale: this.#ctx.json(`${where}: scale`, row.scale),
      stopped: row.stopped === 1,
      updated: row.updated,
      services: Object.fromEntries(services.map((r) => [r.service, { replicas: r.replicas }])),
    };
  }
}

function toRow(s: StoredStack): StackRow {
  const project = checkName("project", s?.project);
  if (!Array.isArray(s.files)) throw new InvalidArgumentError(`stack ${project}: files: expected a list of paths`);
  s.files.forEach((f, i) => checkText(`stack ${project}: files[${i}]`, f));
  if (!Array.isArray(s.profiles)) throw new InvalidArgumentError(`stack ${project}: profiles: expected a list of names`);
  s.profiles.forEach((p, i) => checkName(`stack ${project}: profiles[${i}]`, p));
  if (s.enable !== undefined && !Array.isArray(s.enable)) throw new InvalidArgumentError(`stack ${project}: enable: expected a list of service names`);
  (s.enable ?? []).forEach((e, i) => checkName(`stack ${project}: enable[${i}]`, e));
  for (const [k, v] of Object.entries(s.env ?? {})) checkText(`stack ${project}: env.${k}`, v, Number.MAX_SAFE_INTEGER);
  for (const [k, v] of Object.entries(s.scale ?? {})) checkInteger(`stack ${project}: scale.${k}`, v, 0, MAX_REPLICAS);
  if (typeof s.stopped !== "boolean") throw new InvalidArgumentError(`stack ${project}: stopped: expected true or false`);
  return {
    project,
    files: toJson(`stack ${project}: files`, s.files),
    working_dir: checkText(`stack ${project}: workingDir`, s.workingDir),
    env: toJson(`stack ${project}: env`, s.env ?? {}),
    profiles: toJson(`stack ${project}: profiles`, s.profiles),
    enable: toJson(`stack ${project}: enable`, s.enable ?? []),
    scale: toJson(`stack ${project}: scale`, s.scale ?? {}),
    stopped: s.stopped ? 1 : 0,
    updated: checkTime(`stack ${project}: updated`, s.updated),
  };
}
