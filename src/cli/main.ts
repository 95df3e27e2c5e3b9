import { Command, CommanderError } from "commander";
import { imageCommands } from "./commands/image-commands.js";
import { loginCommands } from "./commands/login-commands.js";
import { baseCommand } from "./commands/base-command.js";
import { buildCommand } from "./commands/build-command.js";
import { containerCommands } from "./commands/container-commands.js";
import { containerIoCommands } from "./commands/container-io-commands.js";
import { cpCommand } from "./commands/cp-command.js";
import { networkCommand } from "./commands/network-commands.js";
import { createCommand, runCommand } from "./commands/run-command.js";
import { volumeCommand } from "./commands/volume-commands.js";
import { transferCommands } from "./commands/transfer-commands.js";
import { registryCommand } from "./commands/registry-command.js";
import { ExitCode, exitCodeFor } from "./exit-codes.js";
import { printError } from "./print-error.js";
import { VERSION } from "./version.js";

/** Global options every command can read through `globals()`. */
export interface GlobalOptions {
  readonly root?: string;
  readonly debug?: boolean;
}

/** Build the command tree. Commands read globals through the callback, after parsing. */
export function buildProgram(): Command {
  const program = new Command("berth")
    .description("berth: build, store, run and orchestrate OCI containers")
    .version(VERSION, "-v, --version", "print the version")
    .option("--root <dir>", "state directory (default: $BERTH_ROOT, /var/lib/berth as root, else $XDG_DATA_HOME/berth)")
    .option("--debug", "print stack traces on errors")
    .showHelpAfterError("(run with --help for usage)")
    // Options after a subcommand belong to it: `run -v SRC:DST` is a volume, not --version.
    .enablePositionalOptions();
  const globals = (): GlobalOptions => program.opts<GlobalOptions>();
  program.addCommand(registryCommand(globals));
  for (const c of imageCommands(globals)) program.addCommand(c);
  for (const c of transferCommands(globals)) program.addCommand(c);
  for (const c of loginCommands()) program.addCommand(c);
  program.addCommand(runCommand(globals));
  program.addCommand(createCommand(globals));
  for (const c of containerCommands(globals)) program.addCommand(c);
  for (const c of containerIoCommands(globals)) program.addCommand(c);
  program.addCommand(cpCommand(globals));
  program.addCommand(networkCommand(globals));
  program.addCommand(volumeCommand(globals));
  program.addCommand(baseCommand(globals));
  program.addCommand(buildCommand(globals));
  return program;
}

/** Run the CLI; returns the exit code (the launcher sets it; nothing here exits the process). */
export async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  for (const c of [program, ...allCommands(program)]) {
    c.exitOverride();
    c.configureHelp({ sortSubcommands: true, showGlobalOptions: true });
    c.configureOutput({ writeErr: (s) => process.stderr.write(s) });
  }
  try {
    await program.parseAsync(argv as string[], { from: "user" });
    return typeof process.exitCode === "number" ? process.exitCode : ExitCode.ok;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version end by "throwing" with exit code 0.
      return e.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    }
    printError(e, program.opts<GlobalOptions>().debug === true);
    return exitCodeFor(e);
  }
}

function allCommands(c: Command): Command[] {
  return c.commands.flatMap((s) => [s, ...allCommands(s)]);
}

