import type { Command } from "commander";

/**
 * One flag of a command as data: commander's flags string (`-e, --env
 * <NAME=value>`), its help, and how its value gathers. The whole CLI hands
 * a table of them to commander ({@link addFlags}); a client bundle reads a
 * command line with the same table without loading commander
 * (quick-command-line.ts), so the two cannot drift apart.
 */
export interface FlagSpec {
  readonly flags: string;
  readonly help: string;
  /** Every use adds its value to a list, which is [] when the flag is not given. */
  readonly repeatable?: boolean;
  /** The value when the flag is not given. */
  readonly default?: string;
}

/** commander's reducer for a repeatable option. */
export const collect = (v: string, prev: string[]): string[] => [...prev, v];

/** Add the flags of `table` to `cmd`, in its order. */
export function addFlags(cmd: Command, table: readonly FlagSpec[]): Command {
  for (const f of table) {
    if (f.repeatable) cmd.option(f.flags, f.help, collect, []);
    else if (f.default !== undefined) cmd.option(f.flags, f.help, f.default);
    else cmd.option(f.flags, f.help);
  }
  return cmd;
}
