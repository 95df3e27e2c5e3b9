import { resolveBerthRoot } from "./berth-root.js";
import { readClientCommandLine } from "./client-command-line.js";
import { containerOptions } from "./commands/container-flags.js";
import { runInDaemon } from "./commands/run-in-daemon.js";
import { exitForRunError, runSpec, type RunFlags } from "./commands/run-spec.js";

/**
 * `berth run` when a daemon runs for the root: the entry of its own bundle
 * (berth-run-client.cjs, see scripts/bundle.mjs), which the launcher loads
 * before the whole `run` command. It reads the command line as `run` does,
 * works out the options (env files, `-e NAME`, absolute paths) and hands the
 * run to the daemon (runInDaemon, the code `run` itself uses): a tenth of the
 * code `run` loads, since the runtime, the image store and the registry
 * client stay in the daemon. Resolves the exit code, or undefined when the
 * whole command must do it: help, a usage error, `-i`/`-t`, `--pull
 * always`, no daemon, an image the store lacks. Nothing has been printed or
 * changed then, so `run` starts over as if this had not run.
 */
export async function main(argv: readonly string[]): Promise<number | undefined> {
  const line = await readClientCommandLine<RunFlags>(runSpec(), argv);
  if (line === undefined) return undefined;
  const [image, command] = line.args as [string, string[]];
  const { flags, globals } = line;
  if (flags.interactive || flags.tty || flags.pull === "always") return undefined;
  try {
    return await runInDaemon(resolveBerthRoot(globals.root), image, await containerOptions(command, flags), { detach: flags.detach === true });
  } catch (e) {
    return exitForRunError(e, globals.debug === true);
  }
}
