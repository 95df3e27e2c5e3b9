import { thisBerth } from "./commands/container-flags.js";
import { runInDaemon } from "./commands/run-in-daemon.js";
import { exitForRunError } from "./commands/run-flags.js";
import { readRunLine, runLineOptions } from "./run-line.js";

/**
 * `berth run` when a daemon runs for the root: the entry of its own bundle
 * (berth-run-client.cjs, see scripts/bundle.mjs), which the launcher loads
 * before the whole `run` command. It reads the command line as `run` does
 * (run-line.ts: run's flag table without commander, its common forms only),
 * works out the options (env files, `-e NAME`, absolute paths) and hands the
 * run to the daemon (runInDaemon, the code `run` itself uses): a tenth of the
 * code `run` loads, since the runtime, the image store and the registry
 * client stay in the daemon. Resolves the exit code, or undefined when the
 * whole command must do it: help, a usage error, a form the quick reading
 * leaves to commander, `-i`/`-t`, `--pull always`, no daemon, an image the
 * store lacks. Nothing has been printed or changed then, so `run` starts
 * over as if this had not run.
 */
export async function main(argv: readonly string[]): Promise<number | undefined> {
  const line = readRunLine(argv, process.env, process.cwd());
  if (line === undefined) return undefined;
  try {
    return await runInDaemon(line.root, line.image, await runLineOptions(line, thisBerth()), { detach: line.detach });
  } catch (e) {
    return exitForRunError(e, line.debug);
  }
}
