import { join } from "node:path";

/** Where one berth root's daemon keeps its socket, pid file, state and log. */
export interface DaemonPaths {
  /** `<root>/daemon`, mode 0700: the socket in it is the API, and the API can run containers as root. */
  readonly dir: string;
  readonly socket: string;
  /** Where `berth run` is handed over without HTTP (run-socket.ts). */
  readonly runSocket: string;
  /** Where bin/berth.cjs announces a `berth run` before Node starts (run-announcements.ts): a FIFO, mode 0600. */
  readonly runFifo: string;
  readonly pidFile: string;
  readonly stateDb: string;
  /** Where a daemon the CLI started writes its output. */
  readonly log: string;
}

export function daemonPaths(root: string): DaemonPaths {
  const dir = join(root, "daemon");
  return { dir, socket: join(dir, "berth.sock"), runSocket: join(dir, "run.sock"), runFifo: join(dir, "run.fifo"), pidFile: join(dir, "berth.pid"), stateDb: join(dir, "state.db"), log: join(dir, "daemon.log") };
}
