import { ContainerStartError } from "../../runtime/index.js";
import type { FlagSpec } from "../flag-table.js";
import { ExitCode } from "../exit-codes.js";
import { printError } from "../print-error.js";
import { CONTAINER_FLAGS, type ContainerFlags } from "./container-flags.js";

/** The signals a foreground `berth run` passes on to its container, as docker's --sig-proxy. */
export const FORWARDED_SIGNALS: readonly NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT"];

export interface RunFlags extends ContainerFlags {
  readonly detach?: boolean;
}

/** `run`'s flags: docker's container flags and -d (see runSpec, and the run client's quick reading). */
export const RUN_FLAGS: readonly FlagSpec[] = [
  { flags: "-d, --detach", help: "run in the background and print the container id" },
  ...CONTAINER_FLAGS,
];

/**
 * Print a failed run's error and give berth's exit code for it, docker's:
 * the container's own start failure (126 cannot execute, 127 not found), else
 * 125 (berth failed). `run` prints its errors itself because main's codes differ.
 */
export function exitForRunError(e: unknown, debug: boolean): number {
  printError(e, debug);
  return e instanceof ContainerStartError ? e.exitCode : ExitCode.containerCommandFailed;
}
