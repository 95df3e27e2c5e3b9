import { z } from "zod";
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

const updateConfig = (actions: readonly ["continue", "pause", ...("rollback")[]]) => z.object({
  parallelism: count.optional(),
  delay: duration.optional(),
  failure_action: z.enum(actions, { error: `must be ${actions.join(", ")}` }).optional(),
  monitor: duration.optional(),
  max_failure_ratio: decimal.pipe(z.number().min(0).max(1, { error: "is a ratio from 0 to 1" })).optional(),
  order: z.enum(["stop-first", "start-first"], { error: "must be stop-first or start-first" }).optional(),
}).transform((u): UpdateConfig => ({
  parallelism: u.parallelism ?? 1,
  delayMs: u.delay ?? 0,
  failureAction: u.failure_action ?? "pause",
  monitorMs: u.monitor ?? 0,
  maxFailureRatio: u.max_failure_ratio ?? 0,
  order: u.order ?? "stop-first",
}));

/** The default of both update_config and rollback_config (deploy.md). */
export const DEFAULT_UPDATE_CONFIG: UpdateConfig = { parallelism: 1, delayMs: 0, failureAction: "pause", monitorMs: 0, maxFailureRatio: 0, order: "stop-first" };

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
  update_config: updateConfig(["continue", "pause", "rollback"]).optional(),
  rollback_config: updateConfig(["continue", "pause"]).optional(),
  endpoint_mode: z.enum(["vip", "dnsrr"], { error: "must be vip or dnsrr" }).optional(),
  placement: ignored,
});

export type DeployInput = z.output<typeof deploySchema>;
