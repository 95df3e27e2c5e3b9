import * as z from "zod";
import type { DeployRestartPolicy, ResourceSpec, UpdateConfig } from "./compose-service.js";
import { byteSize, count, cpus, decimal, duration, ignored, int, listOrDict } from "./schema-primitives.js";

/** `deploy.resources.limits` / `.reservations`. */
export const resourceSpec = z.object({
  cpus: cpus.optional(),
  memory: byteSize.optional(),
  pids: int.pipe(z.number().min(-1, { error: "must be -1 (unlimited) or more" })).optional(),
  generic_resources: ignored,
  devices: ignored,
}).transform((r): ResourceSpec => ({
  ...(r.cpus !== undefined && { cpus: r.cpus }),
  ...(r.memory !== undefined && { memoryBytes: r.memory }),
  ...(r.pids !== undefined && { pids: r.pids }),
}));

const restartPolicy = z.object({
  condition: z.enum(["none", "on-failure", "any"], { error: "must be none, on-failure or any" }).default("any"),
  delay: duration.optional(),
  max_attempts: count.optional(),
  window: duration.optional(),
}).transform((r): DeployRestartPolicy => ({
  condition: r.condition,
  delayMs: r.delay ?? 0,
  ...(r.max_attempts !== undefined && { maxAttempts: r.max_attempts }),
  windowMs: r.window ?? 0,
}));

/** How long a new replica must stay ready before its batch counts as done, when `monitor` is not given: swarm's default. */
const MONITOR_MS = 5_000;

/**
 * berth's default `update_config`: deploy.md's, except `failure_action:
 * rollback` (docker's is pause: the issue berth answers asks for automatic
 * rollback) and `monitor: 5s` (swarm's default; deploy.md says 0s, which
 * would pass a replica that dies a moment after it started).
 */
export const DEFAULT_UPDATE_CONFIG: UpdateConfig = { parallelism: 1, delayMs: 0, failureAction: "rollback", monitorMs: MONITOR_MS, maxFailureRatio: 0, order: "stop-first" };

/** The default `rollback_config`: as docker's, pause when a rollback fails too. */
export const DEFAULT_ROLLBACK_CONFIG: UpdateConfig = { ...DEFAULT_UPDATE_CONFIG, failureAction: "pause" };

const updateConfig = (actions: readonly ["continue", "pause", ...("rollback")[]], defaults: UpdateConfig) => z.object({
  parallelism: count.optional(),
  delay: duration.optional(),
  failure_action: z.enum(actions, { error: `must be ${actions.join(", ")}` }).optional(),
  monitor: duration.optional(),
  max_failure_ratio: decimal.pipe(z.number().min(0).max(1, { error: "is a ratio from 0 to 1" })).optional(),
  order: z.enum(["stop-first", "start-first"], { error: "must be stop-first or start-first" }).optional(),
}).transform((u): UpdateConfig => ({
  parallelism: u.parallelism ?? defaults.parallelism,
  delayMs: u.delay ?? defaults.delayMs,
  failureAction: u.failure_action ?? defaults.failureAction,
  monitorMs: u.monitor ?? defaults.monitorMs,
  maxFailureRatio: u.max_failure_ratio ?? defaults.maxFailureRatio,
  order: u.order ?? defaults.order,
}));

/**
 * `deploy:` (compose-spec deploy.md). Placement and device reservations are
 * accepted and ignored: berth runs on one machine.
 */
export const deploySchema = z.object({
  mode: z.enum(["replicated", "global"], { error: "must be replicated or global" }).optional(),
  replicas: count.optional(),
  labels: listOrDict.optional(),
  resources: z.object({ limits: resourceSpec.optional(), reservations: resourceSpec.optional() }).optional(),
  restart_policy: restartPolicy.optional(),
  update_config: updateConfig(["continue", "pause", "rollback"], DEFAULT_UPDATE_CONFIG).optional(),
  rollback_config: updateConfig(["continue", "pause"], DEFAULT_ROLLBACK_CONFIG).optional(),
  endpoint_mode: z.enum(["vip", "dnsrr"], { error: "must be vip or dnsrr" }).optional(),
  placement: ignored,
});

export type DeployInput = z.output<typeof deploySchema>;
