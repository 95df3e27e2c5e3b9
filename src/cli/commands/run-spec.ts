import { Command } from "commander";
import { ContainerStartError } from "../../runtime/index.js";
import { printError } from "../print-error.js";
import { addContainerFlags, type ContainerFlags } from "./container-flags.js";

/** The signals a foreground `berth run` passes on to its container, as docker's --sig-proxy. */
export const FORWARDED_SIGNALS: readonly NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT"];

export interface RunFlags extends ContainerFlags {
  readonly detach?: boolean;
}

/**
 * `berth run [OPTIONS] IMAGE [CMD…]` as the command line reads it, without its
 * action: the whole CLI's `run` (run-command.ts) and the run client
 * (run-client.ts) parse it alike. Flags stop at IMAGE, as docker's do, so the
 * program must `enablePositionalOptions()`.
 */
export function runSpec(): Command {
  const cmd = new Command("run")
    .description("create and start a container; in the foreground its output is shown and its exit code is berth's. "
      + "The container runs under its own monitor (conmon) and outlives berth; with a daemon running for the root, the daemon starts it "
      + "and streams its output here (an image not in the store is pulled here first, and run here). -i/-t containers run attached to this berth instead")
    .argument("<image>", "name, id, oci:DIR[:tag] or docker-archive:FILE; pulled first when not in the store")
    .argument("[command...]", "command and arguments; default the image's Cmd")
    .option("-d, --detach", "run in the background and print the container id");
  return addContainerFlags(cmd).passThroughOptions();
}

/**
 * Print a failed run's error and give berth's exit code for it, docker's:
 * the container's own start failure (126 cannot execute, 127 not found), else
 * 125 (berth failed). `run` prints its errors itself because main's codes differ.
 */
export function exitForRunError(e: unknown, debug: boolean): number {
  printError(e, debug);
  return e instanceof ContainerStartError ? e.exitCode : 125;
}
