import { BerthError } from "../oci/index.js";

/** A second daemon for a root that already has one. */
export class DaemonRunningError extends BerthError {
  constructor(readonly pid: number, readonly socket: string) {
    super("ALREADY_EXISTS", `a berth daemon is already running for this root (pid ${pid}, socket ${socket})`, {
      hint: "use it, or stop it first with `berth daemon stop`",
    });
  }
}

/** No daemon answers on the socket, and none could be started. */
export class DaemonUnavailableError extends BerthError {
  constructor(readonly socket: string, detail: string, hint?: string) {
    super("UNAVAILABLE", `berth daemon at ${socket}: ${detail}`, { hint: hint ?? "start it with `berth daemon` (foreground) and look at its output" });
  }
}
