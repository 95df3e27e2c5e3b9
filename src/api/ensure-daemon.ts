import { spawn } from "node:child_process";
import { mkdir, open, readFile } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { DaemonClient } from "./daemon-client.js";
import { DaemonUnavailableError } from "./daemon-errors.js";
import { daemonPaths } from "./daemon-paths.js";

/** How to start a daemon: the program and its arguments (the CLI passes itself with `--root R daemon`). */
export interface DaemonLauncher {
  readonly command: string;
  readonly args: readonly string[];
}

/** Longest wait for a daemon just started to answer. */
const START_TIMEOUT_MS = 20_000;

/**
 * A client of the root's daemon, starting one when none answers (as the
 * docker CLI cannot, and podman needs no daemon at all: berth's stacks
 * need one to be kept, so the CLI makes sure one runs). The daemon started
 * is detached, in its own session, writing to `<root>/daemon/daemon.log`;
 * two CLIs starting one at once are fine: one daemon claims the root, the
 * other exits, and both CLIs talk to the winner.
 */
export async function ensureDaemon(root: string, launcher: DaemonLauncher): Promise<DaemonClient> {
  const paths = daemonPaths(root);
  const client = new DaemonClient(paths.socket);
  if (await client.ping()) return client;
  await mkdir(paths.dir, { recursive: true, mode: 0o700 });
  const log = await open(paths.log, "a", 0o600);
  const child = spawn(launcher.command, [...launcher.args], { detached: true, stdio: ["ignore", log.fd, log.fd] });
  let exited: number | null | undefined;
  child.on("exit", (code) => (exited = code));
  child.on("error", () => (exited = -1));
  child.unref();
  await log.close();
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (await client.ping()) return client;
    // The one that lost a race to claim the root exits at once; the winner answers soon.
    if (exited !== undefined && exited !== 0 && !(await client.ping())) {
      const tail = (await readFile(paths.log, "utf8").catch(() => "")).trim().split("\n").slice(-3).join(" | ");
      if (!/already running/.test(tail)) throw new DaemonUnavailableError(paths.socket, `the daemon started for this root exited (${tail || `code ${exited}`})`, `see ${paths.log}`);
    }
    await sleep(50);
  }
  throw new DaemonUnavailableError(paths.socket, `no answer ${START_TIMEOUT_MS / 1000} s after starting it`, `see ${paths.log}`);
}
