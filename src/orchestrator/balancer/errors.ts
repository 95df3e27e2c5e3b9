import { BerthError } from "../../oci/index.js";

/** A balancer could not bind its host port: another process (or a replica publishing it directly) holds it, or the address is not this host's. */
export class BalancerListenError extends BerthError {
  constructor(readonly hostIp: string, readonly hostPort: number, readonly errno: string, cause: unknown) {
    const where = `${hostIp}:${hostPort}`;
    super(errno === "EADDRINUSE" ? "FAILED_PRECONDITION" : "UNAVAILABLE", `load balancer: cannot listen on ${where}: ${errno}`, {
      cause,
      hint: errno === "EADDRINUSE" ? `port ${hostPort} is taken; stop what holds it (ss -ltnp 'sport = :${hostPort}'), or publish the service on another port`
        : errno === "EADDRNOTAVAIL" ? `${hostIp} is not an address of this host; publish on one of its addresses or on all (0.0.0.0)`
        : "see the cause; binding a port below 1024 needs root",
    });
  }
}

/** A balancer was used after close(), or listen() was called twice. */
export class BalancerStateError extends BerthError {
  constructor(detail: string) {
    super("FAILED_PRECONDITION", `load balancer: ${detail}`, { hint: "make a new ServiceBalancer (or let BalancerSet.sync do it)" });
  }
}
