import { homedir } from "node:os";
import { join, resolve } from "node:path";

/**
 * Where berth keeps its state: `--root`, else BERTH_ROOT, else /var/lib/berth
 * for root and $XDG_DATA_HOME/berth (~/.local/share/berth) for anyone else;
 * absolute, a relative one taken from `cwd`. The programs berth starts work
 * elsewhere (conmon in the container's directory, the daemon in its own), so
 * a relative root would name another place for them.
 */
export function resolveBerthRoot(flag: string | undefined, env: Readonly<Record<string, string | undefined>> = process.env, cwd = process.cwd()): string {
  if (flag) return resolve(cwd, flag);
  if (env.BERTH_ROOT) return resolve(cwd, env.BERTH_ROOT);
  if (process.getuid?.() === 0) return "/var/lib/berth";
  return resolve(cwd, join(env.XDG_DATA_HOME || join(homedir(), ".local", "share"), "berth"));
}
