import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import type { PlannedService, RevisionLog, RolloutRecord, UpdateConfig } from "../../../src/orchestrator/index.js";
import { observeStack, type ObservedReplica } from "../../../src/orchestrator/stack/observe-stack.js";
import { prepareRunImage, type RunImage } from "../../../src/runtime/index.js";
import { IMAGE, type StackRoot } from "./stack-fixture.js";

/** Settings of the web service of {@link webStack}. */
export interface WebOptions {
  readonly version: string;
  readonly replicas?: number;
  /** The `deploy.update_config` mapping, as YAML flow (`{parallelism: 1, order: start-first}`). */
  readonly update?: string;
  readonly rollback?: string;
  /** Replace the command: "exit" (exits at once) or "unhealthy" (serves, but its check looks at the wrong port). */
  readonly broken?: "exit" | "unhealthy";
}

/**
 * A stack with one service, web: busybox httpd on 8080 serving its VERSION,
 * with a 1 s health check (wget of itself; a generous timeout and 3
 * retries, so that a loaded machine does not fail a healthy replica), on its own network (SUBNET is
 * filled in by StackRoot.project).
 */
export function webStack(project: string, o: WebOptions): string {
  const serve = o.broken === "exit" ? "echo broken >&2; exit 3" : "mkdir -p /www && echo $$VERSION > /www/index.html && exec httpd -f -p 8080 -h /www";
  const port = o.broken === "unhealthy" ? 8081 : 8080;
  return `name: ${project}
services:
  web:
    image: ${IMAGE}
    init: true
    environment: {VERSION: ${o.version}}
    command: ["/bin/sh", "-c", "${serve}"]
    stop_grace_period: 2s
    healthcheck:
      test: ["CMD", "/bin/busybox", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:${port}/"]
      interval: 1s
      timeout: 5s
      retries: 3
    deploy:
      replicas: ${o.replicas ?? 3}
      update_config: ${o.update ?? "{parallelism: 1, order: start-first, monitor: 1s}"}
      rollback_config: ${o.rollback ?? "{parallelism: 0, order: start-first, monitor: 1s}"}
networks:
  default:
    ipam: {config: [{subnet: \${SUBNET}}]}
`;
}

/** One version of the web service, ready to roll out. */
export interface WebTarget {
  readonly plan: PlannedService;
  readonly image: RunImage;
  readonly update: UpdateConfig;
  readonly rollback: UpdateConfig;
}

/** The web service of `project` at `version`, planned on `r`'s engine, with its image. */
export async function webTarget(r: StackRoot, project: string, o: WebOptions): Promise<WebTarget> {
  const p = await r.project(project, webStack(project, o));
  const plan = r.engine().plan(p).services.find((s) => s.name === "web")!;
  const s = p.services.web!;
  return { plan, image: await prepareRunImage(r.runtime.store, IMAGE), update: s.deploy.updateConfig, rollback: s.deploy.rollbackConfig };
}

/** The web containers of `project`, as observeStack finds them. */
export async function webReplicas(r: StackRoot, project: string): Promise<ObservedReplica[]> {
  return (await observeStack(r.runtime, project)).filter((x) => x.service === "web");
}

/** `name=hash-prefix` of every web container, sorted, and whether each is ready: what a test compares. */
export async function webState(r: StackRoot, project: string, plans: Readonly<Record<string, PlannedService>>): Promise<string[]> {
  const byHash = new Map(Object.entries(plans).map(([v, p]) => [p.configHash, v]));
  return (await webReplicas(r, project)).map((x) => `${x.summary.record.name}=${byHash.get(x.configHash) ?? "?"}${isReadyNow(x) ? "" : ` (${x.summary.state.status}, ${x.summary.health?.status ?? "no check"})`}`).sort();
}

const isReadyNow = (x: ObservedReplica): boolean => x.summary.state.status === "running" && (x.summary.record.health === undefined || x.summary.health?.status === "healthy");

/**
 * Samples the number of ready web containers of `project` every 100 ms
 * until stopped (bounded: at most `maxMs`), for "never fewer than N ready".
 */
export class ReadyWatch {
  readonly counts: number[] = [];
  private stopped = false;
  private readonly done: Promise<void>;

  constructor(r: StackRoot, project: string, maxMs = 120_000) {
    const deadline = Date.now() + maxMs;
    this.done = (async () => {
      while (!this.stopped && Date.now() < deadline) {
        const rs = await webReplicas(r, project).catch(() => undefined);
        if (rs !== undefined) this.counts.push(rs.filter(isReadyNow).length);
        await sleep(100);
      }
    })();
  }

  async stop(): Promise<number[]> {
    this.stopped = true;
    await this.done;
    return this.counts;
  }
}

/** Collects rollout records. */
export class Progress {
  readonly records: RolloutRecord[] = [];
  readonly sink = (rec: RolloutRecord): void => void this.records.push(rec);
  states(): string[] {
    return [...new Set(this.records.map((x) => x.state))];
  }
}

/** `revision:status` of web's revisions, newest first. */
export const revisionStates = (log: RevisionLog, project: string): string[] => log.list(project, "web").map((x) => `${x.revision}:${x.status}`);

/** Asserts no container of `project` carries an `-old-` name. */
export async function assertNoOld(r: StackRoot, project: string): Promise<void> {
  const names = (await webReplicas(r, project)).map((x) => x.summary.record.name ?? "");
  assert.deepEqual(names.filter((n) => n.includes("-old-")), [], `leftover old containers: ${names.join(", ")}`);
}
