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

/**
 * Nothing listens on the daemon's socket (none, or refused): the request was
 * never sent, so the caller may do the work itself.
 */
export class DaemonNotRunningError extends DaemonUnavailableError {
  constructor(socket: string) {
    super(socket, "not running");
  }
}

/**
 * How the daemon's router answers a path it has no route for. Daemons of
 * earlier versions answer with these same words, which is how a newer CLI
 * tells that its daemon lacks an API (isMissingRoute): keep them.
 */
export const MISSING_ROUTE = "no API route";

/**
 * Whether `e` is a daemon's answer that it has no route for the request: a
 * daemon older than this CLI. Nothing was done, so the caller may do the work itself.
 */
export function isMissingRoute(e: unknown): boolean {
  return e instanceof BerthError && e.code === "NOT_FOUND" && e.message.startsWith(`${MISSING_ROUTE} `);
}
