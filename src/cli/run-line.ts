import type { CreateContainerOptions } from "../runtime/index.js";
import { resolveBerthRoot } from "./berth-root.js";
import { containerOptions, type CommandHost } from "./commands/container-flags.js";
import { RUN_FLAGS, type RunFlags } from "./commands/run-flags.js";
import { readQuickCommandLine } from "./quick-command-line.js";

/** A `berth run` command line the daemon can be handed: what the run client reads from it. */
export interface RunLine {
  /** The berth root (`--root`, else BERTH_ROOT, else the default), absolute. */
  readonly root: string;
  readonly image: string;
  readonly command: readonly string[];
  readonly flags: RunFlags;
  readonly detach: boolean;
  readonly debug: boolean;
}

/**
 * `argv` (berth's arguments) read as the run client reads it, or undefined
 * when the whole `run` command must read it: not `run`, help, a form the quick
 * reading leaves to commander, no image, `-i`/`-t` (runc attached to this
 * berth), `--pull always` (this berth pulls, with its progress). The one
 * reading of both the run client and the daemon's announced runs, so that
 * the two agree on what a command line asks.
 */
export function readRunLine(argv: readonly string[], env: Readonly<Record<string, string | undefined>>, cwd: string): RunLine | undefined {
  const line = readQuickCommandLine<RunFlags>("run", RUN_FLAGS, argv);
  const [image, ...command] = line?.operands ?? [];
  if (line === undefined || image === undefined) return undefined;
  const { flags, globals } = line;
  if (flags.interactive || flags.tty || flags.pull === "always") return undefined;
  return { root: resolveBerthRoot(globals.root, env, cwd), image, command, flags, detach: flags.detach === true, debug: globals.debug === true };
}

/** The container options of `line`, worked out with `host`'s environment and directory (env files, `-e NAME`, relative paths). */
export function runLineOptions(line: RunLine, host: CommandHost): Promise<CreateContainerOptions> {
  return containerOptions([...line.command], line.flags, host);
}
