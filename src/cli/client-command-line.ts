import { Command } from "commander";
import { addGlobalOptions, type GlobalOptions } from "./global-options.js";

/** A command line a client bundle read: the command's arguments and flags, and the global options. */
export interface ClientCommandLine<F> {
  readonly args: readonly unknown[];
  readonly flags: F;
  readonly globals: GlobalOptions;
}

/**
 * Read `argv` (global options, then the command `spec` names) as the whole
 * CLI reads it, printing nothing: undefined for help, a usage error or
 * another command, which the whole command then prints. For the client
 * bundles (run-client.ts, copy-client.ts).
 */
export async function readClientCommandLine<F>(spec: Command, argv: readonly string[]): Promise<ClientCommandLine<F> | undefined> {
  let chosen: { args: unknown[]; flags: F } | undefined;
  const silent = { writeOut: (): void => undefined, writeErr: (): void => undefined };
  const program = addGlobalOptions(new Command("berth")).exitOverride().configureOutput(silent);
  // commander calls an action with the arguments, then the flags, then the command.
  program.addCommand(spec.exitOverride().configureOutput(silent).action((...a: unknown[]) => {
    chosen = { args: a.slice(0, -2), flags: a[a.length - 2] as F };
  }));
  try {
    await program.parseAsync(argv as string[], { from: "user" });
  } catch {
    return undefined;
  }
  return chosen === undefined ? undefined : { ...chosen, globals: program.opts<GlobalOptions>() };
}
