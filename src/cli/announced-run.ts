import type { AnnouncedRun, Announcement } from "../api/index.js";
import { readRunLine, runLineOptions } from "./run-line.js";

/** Set by bin/berth.cjs for the Node it starts; not in the environment berth itself reads. */
const LAUNCHER_VARIABLES = ["BERTH_ANNOUNCED", "BERTH_DEFERRED_EXTRA_CA_CERTS"];

/**
 * An announced `berth run` (api/run-announcements.ts) read as its CLI will
 * read it (run-line.ts, the run client's reading), with the CLI's
 * environment and directory: what the daemon makes ahead is then what the
 * CLI asks for, and the daemon compares the two before it lets the
 * container's process go. Undefined for a command line the CLI will not
 * hand over, or one it will refuse.
 */
export async function readAnnouncedRun(a: Announcement): Promise<AnnouncedRun | undefined> {
  const env = environmentOfCli(a.env);
  const line = readRunLine(a.args, env, a.cwd);
  if (line === undefined) return undefined;
  const options = await runLineOptions(line, { env, cwd: a.cwd, warn: () => undefined }).catch(() => undefined);
  if (options === undefined) return undefined;
  return { root: line.root, detach: line.detach, image: line.image, options };
}

/**
 * The environment the CLI's Node will see: /proc gives the launcher's, read
 * before or after it ran Node, which hands NODE_EXTRA_CA_CERTS over under
 * another name and sets one of its own (see bin/berth.cjs).
 */
export function environmentOfCli(launcher: Readonly<Record<string, string>>): Record<string, string> {
  const env: Record<string, string> = { ...launcher };
  const deferred = env.BERTH_DEFERRED_EXTRA_CA_CERTS;
  if (deferred !== undefined && deferred !== "" && env.NODE_EXTRA_CA_CERTS === undefined) env.NODE_EXTRA_CA_CERTS = deferred;
  for (const name of LAUNCHER_VARIABLES) delete env[name];
  return env;
}
