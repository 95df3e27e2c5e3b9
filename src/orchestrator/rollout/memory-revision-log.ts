import { RevisionNotFoundError } from "./errors.js";
import type { RevisionLog, RevisionStatus, ServiceRevision } from "./service-revision.js";

/** Revisions kept per service; the oldest superseded or failed go first, never the current or previous. */
const KEEP = 10;

/**
 * A RevisionLog in memory: for tests, and for an engine run without the
 * daemon (whose SQLite log outlives the process). Revisions are copied in
 * and out, so a caller's change to a returned value changes nothing here.
 */
export class MemoryRevisionLog implements RevisionLog {
  private readonly byService = new Map<string, ServiceRevision[]>();
  private readonly next = new Map<string, number>();

  current(project: string, service: string): ServiceRevision | undefined {
    return this.list(project, service).find((r) => r.status === "current");
  }

  list(project: string, service: string): ServiceRevision[] {
    return [...(this.byService.get(key(project, service)) ?? [])].sort((a, b) => b.revision - a.revision).map(copy);
  }

  record(rev: Omit<ServiceRevision, "revision" | "created" | "status">): ServiceRevision {
    const k = key(rev.project, rev.service);
    const revision = (this.next.get(k) ?? 1);
    this.next.set(k, revision + 1);
    const made: ServiceRevision = { ...copy(rev as ServiceRevision), revision, created: new Date().toISOString(), status: "current" };
    const list = (this.byService.get(k) ?? []).map((r) => ({ ...r, status: demoted(r.status) }));
    list.push(made);
    this.byService.set(k, prune(list));
    return copy(made);
  }

  markFailed(project: string, service: string, revision: number): void {
    this.update(project, service, revision, () => "failed");
  }

  restore(project: string, service: string, revision: number): ServiceRevision {
    const now = this.current(project, service);
    if (now?.revision === revision) return now;
    this.update(project, service, revision, (r) => (r.revision === revision ? "current" : r.status === "current" ? "previous" : demoted(r.status)), true);
    return this.current(project, service)!;
  }

  private update(project: string, service: string, revision: number, status: (r: ServiceRevision) => RevisionStatus, all = false): void {
    const k = key(project, service);
    const list = this.byService.get(k) ?? [];
    if (!list.some((r) => r.revision === revision)) throw new RevisionNotFoundError(project, service, revision);
    this.byService.set(k, list.map((r) => (all || r.revision === revision ? { ...r, status: status(r) } : r)));
  }
}

const key = (project: string, service: string): string => `${project}\u0000${service}`;

/** What a status becomes when another revision becomes current. */
const demoted = (s: RevisionStatus): RevisionStatus => (s === "current" ? "previous" : s === "previous" ? "superseded" : s);

const copy = (r: ServiceRevision): ServiceRevision => structuredClone(r);

function prune(list: ServiceRevision[]): ServiceRevision[] {
  const out = [...list];
  while (out.length > KEEP) {
    const i = out.findIndex((r) => r.status === "superseded" || r.status === "failed");
    if (i < 0) break;
    out.splice(i, 1);
  }
  return out;
}
