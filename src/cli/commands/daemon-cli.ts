import type { DaemonClient } from "../../api/index.js";
import { resolveBerthRoot } from "../berth-root.js";
import type { GlobalOptions } from "../main.js";

// Loaded when a command needs the daemon: the API client and what it pulls in.
export const api = (): Promise<typeof import("../../api/index.js")> => import("../../api/index.js");

/** This CLI as a program to run again: node, its script, the root it was given. */
export function selfLauncher(root: string, ...args: string[]): { command: string; args: string[] } {
  return { command: process.execPath, args: [process.argv[1]!, "--root", root, ...args] };
}

/** A client of the root's daemon, started first when none runs. */
export async function daemonOf(globals: () => GlobalOptions): Promise<DaemonClient> {
  const root = resolveBerthRoot(globals().root);
  return (await api()).ensureDaemon(root, selfLauncher(root, "daemon"));
}
