import { parseArgs } from "node:util";
import { intIn, onOff, partsList } from "../harness/option-values.js";

/** The parts of the bench, in the order they run and print. */
export const RUN_PARTS = ["oneshot", "detached", "breakdown"] as const;
export type RunPartId = (typeof RUN_PARTS)[number];

/** Flags of `run.js run`. */
export interface RunBenchOptions {
  /** Timed `run --rm … true` per side; median and p90 reported. */
  readonly runs: number;
  /** Untimed runs per side before the timed ones. */
  readonly warmup: number;
  /** Detached containers per side in the detached part. */
  readonly containers: number;
  /** Rounds of the detached part; the side that goes first alternates per round. */
  readonly rounds: number;
  readonly parts: readonly RunPartId[];
  /** berth's daemon runs for the bench's root (as dockerd for docker), so `berth run` hands its containers to it. */
  readonly berthDaemon: boolean;
}

export const RUN_USAGE = `usage: node dist/bench/run.js run [--runs N] [--warmup N] [--containers N] [--rounds N] [--parts LIST] [--berth-daemon on|off]
  --runs N        timed 'run --rm IMAGE /bin/busybox true' per side (default 20; 3 to 1000)
  --warmup N      untimed runs per side first (default 2; 0 to 100)
  --containers N  detached containers started, measured, stopped per side (default 50; 1 to 500)
  --rounds N      rounds of the detached part, first side alternating (default 1; 1 to 20)
  --parts LIST    comma-separated, from ${RUN_PARTS.join(", ")} (default all)
  --berth-daemon on|off
                  start berth's daemon for the bench's root (untimed, as the bench starts
                  dockerd for docker), so berth run hands each container to it (default on)`;

/** Parse the flags; throws a message naming the flag on bad input. */
export function parseRunBenchOptions(args: readonly string[]): RunBenchOptions {
  const { values } = parseArgs({
    args: [...args],
    options: {
      runs: { type: "string" },
      warmup: { type: "string" },
      containers: { type: "string" },
      rounds: { type: "string" },
      parts: { type: "string" },
      "berth-daemon": { type: "string" },
    },
    strict: true,
    allowPositionals: false,
  });
  return {
    // Fewer than 3 runs make p90 the maximum and the median one sample: not a measurement.
    runs: intIn("--runs", values.runs, 20, 3, 1000),
    warmup: intIn("--warmup", values.warmup, 2, 0, 100),
    containers: intIn("--containers", values.containers, 50, 1, 500),
    rounds: intIn("--rounds", values.rounds, 1, 1, 20),
    parts: partsList(values.parts, RUN_PARTS),
    berthDaemon: onOff("--berth-daemon", values["berth-daemon"], true),
  };
}
