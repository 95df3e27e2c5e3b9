import { homedir } from "node:os";
import { join } from "node:path";

/**
 * Where berth keeps its state: `--root`, else BERTH_ROOT, else /var/lib/berth
 * for root and $XDG_DATA_HOME/berth (~/.local/share/berth) for anyone else.
 */
export function resolveBerthRoot(flag: string | undefined, env: Readonly<Record<string, string | undefined>> = process.env): string {
  if (flag) return flag;
  if (env.BERTH_ROOT) return env.BERTH_ROOT;
  if (process.getuid?.() === 0) return "/var/lib/berth";
  return join(env.XDG_DATA_HOME || join(homedir(), ".local", "share"), "berth");
}
