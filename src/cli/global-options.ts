import type { Command } from "commander";

/** Global options every command can read through `globals()`. */
export interface GlobalOptions {
  readonly root?: string;
  readonly debug?: boolean;
}

/**
 * The options that come before the command's name (`berth --root DIR run …`),
 * on the whole CLI's program and on a client bundle's (see run-client.ts),
 * so that both read a command line alike. command-word.ts skips the same ones.
 */
export function addGlobalOptions(program: Command): Command {
  return program
    .option("--root <dir>", "state directory (default: $BERTH_ROOT, /var/lib/berth as root, else $XDG_DATA_HOME/berth)")
    .option("--debug", "print stack traces on errors")
    // Options after a subcommand belong to it: `run -v SRC:DST` is a volume, not --version.
    .enablePositionalOptions();
}
