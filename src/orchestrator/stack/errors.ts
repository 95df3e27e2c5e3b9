import { BerthError } from "../../oci/index.js";

/** A compose setting this slice of berth cannot honour; refused rather than run a different stack than the file says. */
export class UnsupportedStackFeatureError extends BerthError {
  constructor(readonly service: string, readonly field: string, detail: string, hint: string) {
    super("INVALID_ARGUMENT", `service ${service}: ${field}: ${detail}`, { hint });
  }
}

/** A fixed host port (or a host range too short) that more replicas would have to bind on this one host. */
export class PublishedPortConflictError extends BerthError {
  constructor(readonly service: string, readonly hostPort: number, readonly replicas: number, readonly rangeEnd = hostPort) {
    const ports = rangeEnd === hostPort ? `host port ${hostPort}` : `the ${rangeEnd - hostPort + 1} host ports ${hostPort}-${rangeEnd}`;
    super("INVALID_ARGUMENT", `service ${service}: ${replicas} replicas cannot share ${ports} on one host`, {
      hint: `leave the host port out ("${hostPort}" → the container port alone) so each replica gets a free one, `
        + `give a range as long as the replicas ("${hostPort}-${hostPort + replicas - 1}:PORT"), or run 1 replica; `
        + "through the daemon (berth up), replicas share a TCP port behind its load balancer; this is a UDP port or the engine runs without it",
    });
  }
}

/** An `external: true` network or volume that does not exist: compose refuses to make it. */
export class ExternalResourceNotFoundError extends BerthError {
  constructor(readonly kind: "network" | "volume" | "secret" | "config", readonly resourceName: string) {
    super("NOT_FOUND", `external ${kind} ${resourceName} not found`, {
      hint: kind === "network" ? `create it first: berth network create ${resourceName}`
        : kind === "volume" ? `create it first: berth volume create ${resourceName}`
        : `external ${kind}s exist only in swarm mode; give the ${kind} a file:, environment: or content:`,
    });
  }
}

/** A service's image could not be found, pulled or built; nothing of the stack was created. */
export class ServiceImageError extends BerthError {
  constructor(readonly service: string, readonly image: string, cause: unknown) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super("FAILED_PRECONDITION", `service ${service}: image ${image}: ${why}`, {
      cause,
      hint: (cause as BerthError | undefined)?.hint ?? "check the image name, load it (berth load -i FILE) or give the service a build:",
    });
  }
}

/** Why a `depends_on` condition failed. */
export type DependencyFailure = "unhealthy" | "exited" | "failed" | "timeout" | "no-healthcheck" | "missing";

/** A `depends_on` condition that cannot be met: the dependency became unhealthy, exited, or the bounded wait ran out. */
export class DependencyFailedError extends BerthError {
  constructor(
    readonly service: string,
    readonly dependency: string,
    readonly condition: string,
    readonly failure: DependencyFailure,
    detail: string,
    /** The last health check's output of the dependency's replica, when it has one. */
    readonly lastHealthOutput?: string,
  ) {
    const output = lastHealthOutput === undefined || lastHealthOutput.trim() === "" ? "" : `; last health check output: ${JSON.stringify(lastHealthOutput.trim().slice(0, 400))}`;
    super("FAILED_PRECONDITION", `service ${service}: dependency ${dependency} (${condition}): ${detail}${output}`, {
      hint: failure === "no-healthcheck" ? `give ${dependency} a healthcheck:, or depend on it with condition: service_started`
        : failure === "timeout" ? `see berth service ps ${dependency} and berth service logs ${dependency}; a slow start wants a longer healthcheck start_period`
        : `see berth service logs ${dependency}`,
    });
  }
}

/** Names no stack: no container, network or volume carries the project's label. */
export class StackNotFoundError extends BerthError {
  constructor(readonly project: string) {
    super("NOT_FOUND", `no stack named ${project} on this host`, { hint: "see the com.docker.compose.project label in berth ps, or give -p NAME" });
  }
}
