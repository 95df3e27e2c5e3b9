import type { Healthcheck as ImageHealthcheck } from "../../oci/index.js";
import { healthFromImage, type HealthConfig } from "../../runtime/index.js";
import type { Healthcheck, ServiceProbe } from "../compose/index.js";

/** Checks during the start period when neither the file nor the image says (see replicaHealth). */
export const DEFAULT_START_INTERVAL_MS = 1_000;

/** docker's defaults for fields neither the file nor the image sets. */
const DEFAULTS = { intervalMs: 30_000, timeoutMs: 30_000, startPeriodMs: 0, retries: 3 } as const;

/**
 * A replica's health check, as docker merges a compose `healthcheck:` over
 * the image's HEALTHCHECK: no `healthcheck:` keeps the image's; `disable:
 * true` (or `test: ["NONE"]`) turns every check off; otherwise each field
 * the file sets replaces the image's, and a field neither sets takes
 * docker's default. Undefined means no check.
 */
export function replicaHealth(file: Healthcheck | undefined, image: ImageHealthcheck | undefined, probe?: ServiceProbe): HealthConfig | undefined {
  if (probe !== undefined) return probeHealth(file, probe);
  const base = healthFromImage(image);
  if (file === undefined) return base;
  if (file.disabled || file.test?.[0] === "NONE") return undefined;
  const test = file.test ?? base?.test;
  if (test === undefined || test.length === 0) return undefined;
  const startPeriod = file.startPeriodMs ?? base?.startPeriodMs ?? DEFAULTS.startPeriodMs;
  const interval = file.intervalMs ?? base?.intervalMs ?? DEFAULTS.intervalMs;
  // berth's choice where neither sets start_interval: a replica in its start period is checked every
  // second (or its interval, if shorter) until it passes once, so a new or replacing replica takes
  // traffic as soon as it is ready rather than one full interval after it started.
  const startInterval = file.startIntervalMs ?? base?.startIntervalMs ?? (startPeriod > 0 ? Math.min(DEFAULT_START_INTERVAL_MS, interval) : undefined);
  return {
    test,
    intervalMs: file.intervalMs ?? base?.intervalMs ?? DEFAULTS.intervalMs,
    timeoutMs: file.timeoutMs ?? base?.timeoutMs ?? DEFAULTS.timeoutMs,
    startPeriodMs: file.startPeriodMs ?? base?.startPeriodMs ?? DEFAULTS.startPeriodMs,
    ...(startInterval !== undefined && { startIntervalMs: startInterval }),
    retries: file.retries ?? base?.retries ?? DEFAULTS.retries,
    // berth's reconcileOnce replaces an unhealthy replica; the runtime is not asked to act on it as well.
    onFailure: "none",
  };
}

/** `x-berth.probe` as a check the runtime's monitor runs from the host, with the file's timings (else docker's defaults). */
function probeHealth(file: Healthcheck | undefined, probe: ServiceProbe): HealthConfig | undefined {
  if (file?.disabled) return undefined;
  const startPeriod = file?.startPeriodMs ?? DEFAULTS.startPeriodMs;
  const interval = file?.intervalMs ?? DEFAULTS.intervalMs;
  const startInterval = file?.startIntervalMs ?? (startPeriod > 0 ? Math.min(DEFAULT_START_INTERVAL_MS, interval) : undefined);
  return {
    test: probe.kind === "http" ? ["HTTP-GET", String(probe.port), probe.path] : ["TCP-CONNECT", String(probe.port)],
    intervalMs: interval,
    timeoutMs: file?.timeoutMs ?? DEFAULTS.timeoutMs,
    startPeriodMs: startPeriod,
    ...(startInterval !== undefined && { startIntervalMs: startInterval }),
    retries: file?.retries ?? DEFAULTS.retries,
    onFailure: "none",
  };
}
