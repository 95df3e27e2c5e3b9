import { InvalidArgumentError, type Healthcheck } from "../oci/index.js";
import type { HealthConfig } from "./container-record.js";

/** docker's defaults when a HEALTHCHECK leaves a field out. */
const DEFAULTS = { intervalMs: 30_000, timeoutMs: 30_000, startPeriodMs: 0, retries: 3 } as const;
const NS_PER_MS = 1_000_000;

/** The image's HEALTHCHECK (nanosecond durations) as berth's config; undefined when absent or `NONE`. */
export function healthFromImage(h: Healthcheck | undefined): HealthConfig | undefined {
  const test = h?.Test ?? [];
  if (test.length === 0 || test[0] === "NONE") return undefined;
  const ms = (ns: number | undefined, d: number): number => (ns !== undefined && ns > 0 ? Math.round(ns / NS_PER_MS) : d);
  return {
    test,
    intervalMs: ms(h?.Interval, DEFAULTS.intervalMs),
    timeoutMs: ms(h?.Timeout, DEFAULTS.timeoutMs),
    startPeriodMs: ms(h?.StartPeriod, DEFAULTS.startPeriodMs),
    ...(h?.StartInterval !== undefined && h.StartInterval > 0 && { startIntervalMs: ms(h.StartInterval, DEFAULTS.intervalMs) }),
    retries: h?.Retries !== undefined && h.Retries > 0 ? h.Retries : DEFAULTS.retries,
    onFailure: "none",
  };
}

/** The `--health-*` flags as given (strings), all optional. */
export interface HealthFlags {
  readonly cmd?: string;
  readonly interval?: string;
  readonly timeout?: string;
  readonly startPeriod?: string;
  readonly retries?: string;
  readonly onFailure?: string;
  readonly noHealthcheck?: boolean;
}

/**
 * `--health-cmd` and friends on top of the image's HEALTHCHECK, as docker
 * merges them: a flag replaces its field, `--no-healthcheck` disables it.
 * Returns undefined when there is no check. Durations take Go's form (`30s`, `1m30s`, `500ms`).
 */
export function healthFromFlags(f: HealthFlags, image: Healthcheck | undefined): HealthConfig | undefined {
  if (f.noHealthcheck) return undefined;
  const base = healthFromImage(image);
  const test = f.cmd !== undefined ? ["CMD-SHELL", f.cmd] : base?.test;
  if (test === undefined) {
    if (f.interval ?? f.timeout ?? f.startPeriod ?? f.retries ?? f.onFailure) {
      throw new InvalidArgumentError("--health-* options need --health-cmd (the image has no HEALTHCHECK)");
    }
    return undefined;
  }
  const onFailure = f.onFailure ?? base?.onFailure ?? "none";
  if (onFailure !== "none" && onFailure !== "kill" && onFailure !== "restart" && onFailure !== "stop") {
    throw new InvalidArgumentError(`--health-on-failure ${onFailure}: expected none, kill, restart or stop`);
  }
  const retries = f.retries !== undefined ? Number(f.retries) : (base?.retries ?? DEFAULTS.retries);
  if (!Number.isInteger(retries) || retries < 1) throw new InvalidArgumentError(`--health-retries ${f.retries}: must be a positive integer`);
  return {
    test,
    intervalMs: f.interval !== undefined ? parseDuration(f.interval, "--health-interval", 1) : (base?.intervalMs ?? DEFAULTS.intervalMs),
    timeoutMs: f.timeout !== undefined ? parseDuration(f.timeout, "--health-timeout", 1) : (base?.timeoutMs ?? DEFAULTS.timeoutMs),
    startPeriodMs: f.startPeriod !== undefined ? parseDuration(f.startPeriod, "--health-start-period", 0) : (base?.startPeriodMs ?? DEFAULTS.startPeriodMs),
    retries,
    onFailure,
  };
}

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Go's duration syntax (`1h2m3.5s`, `250ms`), in milliseconds, at least `min`. */
export function parseDuration(value: string, flag: string, min: number): number {
  const parts = [...value.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  const whole = parts.map((p) => p[0]).join("");
  if (parts.length === 0 || whole !== value) throw new InvalidArgumentError(`${flag} ${value}: not a duration such as 30s, 1m30s or 500ms`);
  const ms = Math.round(parts.reduce((sum, p) => sum + Number(p[1]) * UNIT_MS[p[2]!]!, 0));
  if (ms < min) throw new InvalidArgumentError(`${flag} ${value}: must be at least ${min} ms`);
  return ms;
}
