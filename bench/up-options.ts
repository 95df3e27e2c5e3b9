import { parseArgs } from "node:util";
import { intIn, partsList } from "./harness/option-values.js";

/** The parts of the bench, in the order they run and print. */
export const UP_PARTS = ["up", "recovery"] as const;
export type UpPartId = (typeof UP_PARTS)[number];

/** The shop's services whose replicas the recovery part may kill (redis and gateway have one each). */
export const KILLABLE_SERVICES = ["catalog", "cart", "gateway", "redis"] as const;
export type KillableService = (typeof KILLABLE_SERVICES)[number];

/** Flags of `run.js up`. */
export interface UpBenchOptions {
  /** Timed cold starts per side (up part); the side that goes first alternates per round. */
  readonly runs: number;
  /** Untimed cold starts per side before the timed ones. */
  readonly warmup: number;
  /** Timed `kill -9` recoveries per side (recovery part). */
  readonly kills: number;
  /** Whose replica is killed. */
  readonly service: KillableService;
  /** A round fails when the stack is not all healthy this long after `up` or after the kill. */
  readonly timeoutMs: number;
  /** `deploy.restart_policy.delay` written into the swarm stack file; undefined keeps swarm's default (5 s). */
  readonly swarmRestartDelay?: string;
  readonly parts: readonly UpPartId[];
}

export const UP_USAGE = `usage: node dist/bench/run.js up [--runs N] [--warmup N] [--kills N] [--service NAME] [--timeout S] [--swarm-restart-delay D] [--parts LIST]
  --runs N                 timed cold starts per side, berth up -d vs docker-compose up -d (default 3; 1 to 20)
  --warmup N               untimed cold starts per side first (default 1; 0 to 5)
  --kills N                timed kill -9 recoveries per side, berth vs docker swarm (default 3; 1 to 20)
  --service NAME           whose replica is killed: ${KILLABLE_SERVICES.join(", ")} (default catalog)
  --timeout S              seconds before a stack that is not all healthy fails the round (default 120; 10 to 900)
  --swarm-restart-delay D  swarm's restart_policy.delay, e.g. 0s (default: swarm's own, 5s)
  --parts LIST             comma-separated, from ${UP_PARTS.join(", ")} (default both)`;

const isService = (s: string): s is KillableService => (KILLABLE_SERVICES as readonly string[]).includes(s);

/** A Go duration as swarm reads it, kept small: whole or decimal seconds or milliseconds, at most 60 s. */
function restartDelay(v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  const m = /^(\d{1,5}(?:\.\d{1,3})?)(ms|s)$/.exec(v);
  const ms = m === null ? NaN : Number(m[1]) * (m[2] === "s" ? 1000 : 1);
  if (!(ms >= 0 && ms <= 60_000)) throw new Error(`--swarm-restart-delay: "${v}" is not a delay like 0s, 500ms or 5s (at most 60s)`);
  return v;
}

/** Parse the flags; throws a message naming the flag on bad input. */
export function parseUpBenchOptions(args: readonly string[]): UpBenchOptions {
  const { values } = parseArgs({
    args: [...args],
    options: {
      runs: { type: "string" },
      warmup: { type: "string" },
      kills: { type: "string" },
      service: { type: "string" },
      timeout: { type: "string" },
      "swarm-restart-delay": { type: "string" },
      parts: { type: "string" },
    },
    strict: true,
    allowPositionals: false,
  });
  const service = values.service ?? "catalog";
  if (!isService(service)) throw new Error(`--service: "${service}" is not one of ${KILLABLE_SERVICES.join(", ")}`);
  const delay = restartDelay(values["swarm-restart-delay"]);
  return {
    runs: intIn("--runs", values.runs, 3, 1, 20),
    warmup: intIn("--warmup", values.warmup, 1, 0, 5),
    kills: intIn("--kills", values.kills, 3, 1, 20),
    service,
    timeoutMs: intIn("--timeout", values.timeout, 120, 10, 900) * 1000,
    ...(delay !== undefined && { swarmRestartDelay: delay }),
    parts: partsList(values.parts, UP_PARTS),
  };
}
