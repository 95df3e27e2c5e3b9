import { parseArgs } from "node:util";
import { intIn, onOff, partsList } from "../harness/option-values.js";

/** The parts of the bench, in the order they run and print: (a) the Node.js app, (b) the multi-stage Dockerfile. */
export const BUILD_PARTS = ["node", "dockerfile"] as const;
export type BuildPartId = (typeof BUILD_PARTS)[number];

/** Flags of `run.js build`. */
export interface BuildBenchOptions {
  /** Rounds; each round times every build of every side once, and the table shows the medians. */
  readonly runs: number;
  readonly parts: readonly BuildPartId[];
  /** Make the Debian bookworm + nodejs + npm rootfs with mmdebstrap again instead of taking the cached one. */
  readonly refreshBase: boolean;
  /** Run berth's daemon for its roots (builds go through it), as docker's side has dockerd. */
  readonly berthDaemon: boolean;
}

export const BUILD_USAGE = `usage: node dist/bench/run.js build [--runs N] [--parts LIST] [--refresh-base]
  --runs N        rounds, each timing every build of every side once; medians reported (default 3; 1 to 20)
  --parts LIST    comma-separated, from ${BUILD_PARTS.join(", ")} (default all):
                  node = (a) a Node.js app with 12 dependencies, berth's zero-config build vs docker build;
                  dockerfile = (b) a multi-stage Dockerfile with RUN steps, berth build vs docker build
  --refresh-base  make docker's Debian base (mmdebstrap) again instead of reusing the cached rootfs tar
  --berth-daemon on|off
                  on (default): berth's daemon runs for the root being built in (started untimed), as dockerd
                  does for docker, and the CLI hands builds to it; off: each build runs in its own CLI process`;

/** Parse the flags; throws a message naming the flag on bad input. */
export function parseBuildBenchOptions(args: readonly string[]): BuildBenchOptions {
  const { values } = parseArgs({
    args: [...args],
    options: {
      runs: { type: "string" },
      parts: { type: "string" },
      "refresh-base": { type: "boolean" },
      "berth-daemon": { type: "string" },
    },
    strict: true,
    allowPositionals: false,
  });
  return {
    // A docker cold build of part (a) takes about a minute: 20 rounds is already most of an hour.
    runs: intIn("--runs", values.runs, 3, 1, 20),
    parts: partsList(values.parts, BUILD_PARTS),
    refreshBase: values["refresh-base"] ?? false,
    berthDaemon: onOff("--berth-daemon", values["berth-daemon"], true),
  };
}
