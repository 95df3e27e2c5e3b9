import { InvalidArgumentError, parseGoDuration, type Healthcheck } from "../oci/index.js";
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

/** The `--health-*` flags as given (strings), all optional: the form they cross the daemon's API in. */
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
 * The `--health-*` flags parsed: only the fields they override. docker's
 * zero values (an empty command, `0s`, `0`) override nothing, so they are
 * absent here and the image's value or the default applies.
 */
export interface HealthOverride {
  /** `--no-healthcheck`: no check, whatever the image says. */
  readonly isDisabled: boolean;
  readonly test?: readonly string[];
  readonly intervalMs?: number;
  readonly timeoutMs?: number;
  readonly startPeriodMs?: number;
  readonly retries?: number;
  readonly onFailure?: HealthConfig["onFailure"];
}

type Setting = Exclude<keyof HealthOverride, "isDisabled">;
const FLAG_OF: Readonly<Record<Setting, string>> = {
  test: "--health-cmd", intervalMs: "--health-interval", timeoutMs: "--health-timeout", startPeriodMs: "--health-start-period",
  retries: "--health-retries", onFailure: "--health-on-failure",
};

/**
 * Check the `--health-*` flags as docker's CLI and daemon do, without the
 * image: durations in Go's form (`30s`, `1m30s`, `1.5s`, `500ms`,
 * `1000000us`), each 0 or at least 1ms; retries a whole number ≥ 0; and
 * `--no-healthcheck` alone. Throws InvalidArgumentError naming the flag.
 */
export function parseHealthFlags(f: HealthFlags): HealthOverride {
  const onFailure = f.onFailure === undefined ? undefined : parseOnFailure(f.onFailure);
  const retries = f.retries === undefined ? 0 : parseRetries(f.retries);
  const override: HealthOverride = {
    isDisabled: f.noHealthcheck === true,
    ...(f.cmd !== undefined && f.cmd !== "" && { test: ["CMD-SHELL", f.cmd] }),
    ...optionalMs("intervalMs", f.interval, "--health-interval"),
    ...optionalMs("timeoutMs", f.timeout, "--health-timeout"),
    ...optionalMs("startPeriodMs", f.startPeriod, "--health-start-period"),
    ...(retries > 0 && { retries }),
    ...(onFailure !== undefined && { onFailure }),
  };
  const given = settingFlags(override);
  if (override.isDisabled && given.length > 0) {
    throw new InvalidArgumentError(`--no-healthcheck conflicts with --health-* options (${given.join(", ")})`, {
      hint: "drop --no-healthcheck to change the check, or the --health-* options to turn it off",
    });
  }
  return override;
}

/**
 * The container's check: the flags over the image's HEALTHCHECK, as docker
 * merges them (each flag given replaces its field; the rest, the test
 * command too, stay the image's, then docker's defaults). Undefined when
 * there is no check. Throws InvalidArgumentError when flags tune a check
 * that has no command: neither `--health-cmd` nor the image gives one.
 */
export function mergeHealth(o: HealthOverride, image: Healthcheck | undefined): HealthConfig | undefined {
  if (o.isDisabled) return undefined;
  const base = healthFromImage(image);
  const test = o.test ?? base?.test;
  if (test === undefined) {
    const given = settingFlags(o);
    if (given.length === 0) return undefined;
    const why = image?.Test?.[0] === "NONE" ? "the image's HEALTHCHECK is NONE" : "the image has no HEALTHCHECK";
    throw new InvalidArgumentError(`${given.join(", ")}: no health check command to apply ${given.length > 1 ? "them" : "it"} to (${why})`, {
      hint: "add --health-cmd COMMAND",
    });
  }
  const startIntervalMs = base?.startIntervalMs;
  return {
    test,
    intervalMs: o.intervalMs ?? base?.intervalMs ?? DEFAULTS.intervalMs,
    timeoutMs: o.timeoutMs ?? base?.timeoutMs ?? DEFAULTS.timeoutMs,
    startPeriodMs: o.startPeriodMs ?? base?.startPeriodMs ?? DEFAULTS.startPeriodMs,
    ...(startIntervalMs !== undefined && { startIntervalMs }),
    retries: o.retries ?? base?.retries ?? DEFAULTS.retries,
    onFailure: o.onFailure ?? base?.onFailure ?? "none",
  };
}

/** {@link parseHealthFlags} then {@link mergeHealth}: what `create` records. */
export function healthFromFlags(f: HealthFlags, image: Healthcheck | undefined): HealthConfig | undefined {
  return mergeHealth(parseHealthFlags(f), image);
}

/** The flags behind the fields `o` overrides, in flag-table order. */
function settingFlags(o: HealthOverride): string[] {
  return (Object.keys(FLAG_OF) as Setting[]).filter((k) => o[k] !== undefined).map((k) => FLAG_OF[k]);
}

function parseOnFailure(v: string): HealthConfig["onFailure"] {
  if (v === "none" || v === "kill" || v === "restart" || v === "stop") return v;
  throw new InvalidArgumentError(`--health-on-failure ${v}: expected none, kill, restart or stop`);
}

/** Go's strconv.Atoi, as docker's flag parses it: a sign and decimal digits. */
function parseRetries(v: string): number {
  if (!/^[+-]?\d+$/.test(v) || !Number.isSafeInteger(Number(v))) throw new InvalidArgumentError(`--health-retries ${v}: not a whole number`);
  const n = Number(v);
  if (n < 0) throw new InvalidArgumentError(`--health-retries ${v}: cannot be negative`, { hint: "0 keeps the image's value (default 3)" });
  return n;
}

/** `{ [key]: ms }` for a duration flag, or nothing when it is absent or 0 (docker's "use the image's or the default"). */
function optionalMs<K extends "intervalMs" | "timeoutMs" | "startPeriodMs">(key: K, v: string | undefined, flag: string): Partial<Record<K, number>> {
  if (v === undefined) return {};
  const ns = parseGoDuration(v);
  if (ns === undefined) {
    throw new InvalidArgumentError(`${flag} ${v}: not a duration`, { hint: "write Go's form: 30s, 1m30s, 1.5s, 500ms, 1000000us (units ns, us, ms, s, m, h)" });
  }
  if (ns < 0) throw new InvalidArgumentError(`${flag} ${v}: cannot be negative`);
  // docker's daemon refuses a nonzero duration under 1ms ("cannot be less than 1ms").
  if (ns > 0 && ns < NS_PER_MS) throw new InvalidArgumentError(`${flag} ${v}: must be 0 (the image's or the default) or at least 1ms`);
  // Whole milliseconds: the monitor's clock ticks far coarser than that.
  return ns === 0 ? {} : ({ [key]: Math.round(ns / NS_PER_MS) } as Partial<Record<K, number>>);
}
