import type { CreateContainerOptions, RestartPolicy } from "../../runtime/index.js";
import type { Healthcheck, ServiceBuild, ServiceDependency, ServiceProbe } from "../compose/index.js";

/**
 * The desired state of one stack on this host, as {@link planStack} reads it
 * from a compose project: pure data, computed without looking at the host.
 * `StackEngine` compares it with what exists and acts; the daemon will keep
 * it (as revisions) and feed it to the same engine.
 */
export interface StackPlan {
  readonly project: string;
  /** Where files for secrets and configs given by `environment:` or `content:` are written (`<root>/stacks/<project>`). */
  readonly stackDir: string;
  readonly networks: readonly PlannedNetwork[];
  readonly volumes: readonly PlannedVolume[];
  /** Secret and config files the engine writes before any container is made. */
  readonly files: readonly PlannedFile[];
  /** Every service of the project, in start order (dependencies first); stop in the reverse order. */
  readonly services: readonly PlannedService[];
  /** Settings of the file that are read but not applied to containers, one line each. */
  readonly warnings: readonly string[];
}

/** A network the stack uses: `<project>_default`, a declared one, or an external one that must exist. */
export interface PlannedNetwork {
  /** The key under `networks:` (`default` for the project's own). */
  readonly key: string;
  /** The name on the host. */
  readonly name: string;
  readonly external: boolean;
  /** The first `ipam.config` entry's subnet and gateway, when given. */
  readonly subnet?: string;
  readonly gateway?: string;
  readonly internal: boolean;
  /** The file's labels plus the project and network labels. */
  readonly labels: Readonly<Record<string, string>>;
}

/** A named volume the stack uses. */
export interface PlannedVolume {
  readonly key: string;
  /** `<project>_<key>`, or `name:`, or the key itself when external. */
  readonly name: string;
  readonly external: boolean;
  readonly labels: Readonly<Record<string, string>>;
}

/** A secret or config whose content is not a host file: written to `path` (mode 0444, in a 0700 directory). */
export interface PlannedFile {
  readonly kind: "secret" | "config";
  readonly key: string;
  readonly path: string;
  readonly content: string;
}

/** One service: its image, how many replicas, and each replica's container. */
export interface PlannedService {
  readonly name: string;
  /** The image each replica runs: `image:`, else `<project>-<service>` for a service that is built. */
  readonly image: string;
  readonly build?: ServiceBuild;
  readonly pullPolicy?: "always" | "never" | "missing" | "build";
  readonly replicas: number;
  readonly configHash: string;
  /** `depends_on`, only on services of the project. */
  readonly dependsOn: Readonly<Record<string, ServiceDependency>>;
  /**
   * What `reconcileOnce` does with an exited replica (`restart:`, else
   * `deploy.restart_policy`). The containers themselves get no runtime
   * restart policy: the orchestrator is the one that restarts, so that
   * depends_on gates restarts too and no two actors race on one replica.
   */
  readonly restart: RestartPolicy;
  /** The file's healthcheck, merged over the image's HEALTHCHECK when the replica is made. */
  readonly healthcheck?: Healthcheck;
  /** `x-berth.probe`: checked from the host instead of the healthcheck's test. */
  readonly probe?: ServiceProbe;
  /** `stop_grace_period` in whole seconds; undefined: the runtime's default (10 s). */
  readonly stopTimeoutS?: number;
  /** Host directories of bind mounts to create when missing (compose's `create_host_path`). */
  readonly hostPaths: readonly string[];
  /** Replica 1 to `replicas`, in order. */
  readonly replicaSpecs: readonly PlannedReplica[];
  /**
   * With `planStack(…, { balancedPorts: true })` (the daemon): the service's
   * TCP ports with one host port (or none: 0, picked once for the service
   * when the balancer listens), which the daemon's load balancer binds and
   * spreads over the healthy replicas; the replicas publish nothing for them.
   * Absent otherwise.
   */
  readonly balancedPorts?: readonly BalancedPort[];
}

/** A published TCP port of a service that a load balancer owns (see {@link PlannedService.balancedPorts}). */
export interface BalancedPort {
  /** `0.0.0.0` for every IPv4 address, else the one address. */
  readonly hostIp: string;
  /** 0: any free port, picked by the balancer's listen. */
  readonly hostPort: number;
  /** The port the replicas listen on. */
  readonly targetPort: number;
  readonly protocol: "tcp";
}

/** One replica's container: everything `ContainerRuntime.create` takes except the health check. */
export interface PlannedReplica {
  /** 1-based. */
  readonly number: number;
  /** `<project>-<service>-<number>`, or `container_name`. */
  readonly name: string;
  readonly options: CreateContainerOptions;
}
