import { Command } from "commander";
import { addFlags } from "../flag-table.js";
import { withoutShortHelp } from "./container-flags.js";
import { RUN_FLAGS } from "./run-flags.js";

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
    .argument("[command...]", "command and arguments; default the image's Cmd");
  return addFlags(withoutShortHelp(cmd), RUN_FLAGS).passThroughOptions();
}
