import * as z from "zod";
import type { AutoscaleOptions, BerthServiceOptions, RightSizeOptions, ServiceProbe } from "./compose-service.js";
import { bool, count, decimal, duration, parsedBy } from "./schema-primitives.js";

/** `70`, `"70%"`, `"70"` → 70. */
export const percent = parsedBy(z.union([z.number(), z.string()], { error: "expected a percentage such as 70%" }), (v) => {
  const m = /^\s*(\d+(?:\.\d+)?)\s*%?\s*$/.exec(String(v));
  const n = m === null ? NaN : Number(m[1]);
  if (!(n > 0 && n <= 1000)) throw new Error(`expected a percentage above 0 and at most 1000, such as 70%, got ${JSON.stringify(v)}`);
  return n;
});

/** Defaults of `x-berth.right-size`, after the Kubernetes VPA recommender (90th percentile, 15% margin). */
export const DEFAULT_RIGHT_SIZE: RightSizeOptions = { enabled: true, windowMs: 24 * 3_600_000, cpuPercentile: 90, memoryPercentile: 90, marginPercent: 15 };
// Scale down no sooner than this after a change: the HPA's scale-down stabilisation is 5 minutes; berth runs smaller stacks.
const DEFAULT_COOLDOWN_MS = 60_000;

const percentile = decimal.pipe(z.number().gt(0, { error: "is a percentile above 0" }).max(100, { error: "is a percentile up to 100" }));

const autoscale = z.object({
  min: count.default(1),
  max: count.pipe(z.number().min(1, { error: "must be 1 or more" })),
  cpu: percent,
  cooldown: duration.optional(),
}).check((ctx) => {
  if (ctx.value.min > ctx.value.max) ctx.issues.push({ code: "custom", message: `min ${ctx.value.min} is above max ${ctx.value.max}`, input: ctx.value, path: ["min"] });
}).transform((a): AutoscaleOptions => ({ min: a.min, max: a.max, cpuPercent: a.cpu, cooldownMs: a.cooldown ?? DEFAULT_COOLDOWN_MS }));

const rightSize = z.union([
  bool.transform((enabled): RightSizeOptions => ({ ...DEFAULT_RIGHT_SIZE, enabled })),
  z.object({
    enabled: bool.optional(),
    window: duration.optional(),
    cpu_percentile: percentile.optional(),
    memory_percentile: percentile.optional(),
    margin: percent.optional(),
  }).transform((r): RightSizeOptions => ({
    enabled: r.enabled ?? true,
    windowMs: r.window ?? DEFAULT_RIGHT_SIZE.windowMs,
    cpuPercentile: r.cpu_percentile ?? DEFAULT_RIGHT_SIZE.cpuPercentile,
    memoryPercentile: r.memory_percentile ?? DEFAULT_RIGHT_SIZE.memoryPercentile,
    marginPercent: r.margin ?? DEFAULT_RIGHT_SIZE.marginPercent,
  })),
], { error: "expected true, false or {window, cpu_percentile, memory_percentile, margin}" });

const probePort = count.pipe(z.number().min(1, { error: "is a port from 1 to 65535" }).max(65535, { error: "is a port from 1 to 65535" }));

const probe = z.object({
  http: z.string().regex(/^\/[\x21-\x7e]*$/, { error: "is a path such as /healthz" }).optional(),
  port: probePort.optional(),
  tcp: probePort.optional(),
}, { error: "expected {http: /PATH, port: PORT} or {tcp: PORT}" }).strict().check((ctx) => {
  const v = ctx.value;
  const ok = v.tcp !== undefined ? v.http === undefined && v.port === undefined : v.http !== undefined && v.port !== undefined;
  if (!ok) ctx.issues.push({ code: "custom", message: "expected {http: /PATH, port: PORT} or {tcp: PORT}", input: v, path: [] });
}).transform((p): ServiceProbe => (p.tcp !== undefined ? { kind: "tcp", port: p.tcp } : { kind: "http", port: p.port!, path: p.http! }));

/**
 * A service's `x-berth` extension:
 *
 * ```yaml
 * x-berth:
 *   autoscale: {min: 2, max: 10, cpu: 70%, cooldown: 1m}
 *   right-size: {window: 24h, cpu_percentile: 90, memory_percentile: 90, margin: 15%}
 *   probe: {http: /healthz, port: 3001}     # or {tcp: 6379}: checked from the host, no program needed in the image
 * ```
 */
export const xBerthSchema = z.object({
  autoscale: autoscale.optional(),
  "right-size": rightSize.optional(),
  probe: probe.optional(),
}).transform((x): BerthServiceOptions => ({
  ...(x.autoscale !== undefined && { autoscale: x.autoscale }),
  ...(x.probe !== undefined && { probe: x.probe }),
  rightSize: x["right-size"] ?? DEFAULT_RIGHT_SIZE,
}));
