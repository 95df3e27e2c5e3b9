import type { ExposedPort, PortMapping } from "./port-spec.js";

/** One service, with every compose default filled in where compose has one. */
export interface ComposeService {
  readonly name: string;
  readonly image?: string;
  readonly build?: ServiceBuild;
  /** undefined: the image's CMD; `[]`: explicitly none. A string in the file is split into words as compose splits it. */
  readonly command?: readonly string[];
  /** undefined: the image's ENTRYPOINT; `[]`: explicitly none. */
  readonly entrypoint?: readonly string[];
  /** `env_file`s (in order) overlaid by `environment`; `KEY` without a value is taken from the project environment or left out. */
  readonly environment: Readonly<Record<string, string>>;
  readonly envFiles: readonly EnvFileRef[];
  readonly ports: readonly PortMapping[];
  readonly expose: readonly ExposedPort[];
  readonly volumes: readonly VolumeMount[];
  /** `tmpfs:` entries, `PATH[:OPTIONS]`. */
  readonly tmpfs: readonly string[];
  /** `depends_on`, by service name. */
  readonly dependsOn: Readonly<Record<string, ServiceDependency>>;
  /** undefined: the image's HEALTHCHECK applies. */
  readonly healthcheck?: Healthcheck;
  readonly restart: RestartPolicy;
  readonly init?: boolean;
  readonly user?: string;
  readonly workingDir?: string;
  readonly readOnly: boolean;
  readonly capAdd: readonly string[];
  readonly capDrop: readonly string[];
  readonly labels: Readonly<Record<string, string>>;
  readonly profiles: readonly string[];
  /** Networks the service joins, by name; `{default: {}}` when the file names none and sets no `network_mode`. */
  readonly networks: Readonly<Record<string, ServiceNetwork>>;
  readonly networkMode?: string;
  readonly containerName?: string;
  readonly hostname?: string;
  readonly domainname?: string;
  readonly stopSignal?: string;
  readonly stopGracePeriodMs?: number;
  readonly secrets: readonly FileGrant[];
  readonly configs: readonly FileGrant[];
  readonly deploy: ServiceDeploy;
  readonly extraHosts: readonly string[];
  readonly dns: readonly string[];
  readonly dnsSearch: readonly string[];
  readonly ulimits: Readonly<Record<string, { readonly soft: number; readonly hard: number }>>;
  readonly sysctls: Readonly<Record<string, string>>;
  readonly privileged: boolean;
  readonly tty: boolean;
  readonly stdinOpen: boolean;
  readonly pullPolicy?: "always" | "never" | "missing" | "build";
  readonly platform?: string;
  readonly shmSizeBytes?: number;
  readonly securityOpt: readonly string[];
  readonly groupAdd: readonly string[];
  readonly logging?: { readonly driver?: string; readonly options: Readonly<Record<string, string>> };
  /** berth's own options, from `x-berth`. */
  readonly berth: BerthServiceOptions;
  /** The service's other `x-*` fields, as written. */
  readonly extensions: Readonly<Record<string, unknown>>;
}

/** `build:`; a string in the file is the context. */
export interface ServiceBuild {
  /** Absolute directory, or a URL (git, http) left as written. */
  readonly context: string;
  /** Relative to the context unless absolute; "Dockerfile" by default. */
  readonly dockerfile: string;
  readonly dockerfileInline?: string;
  /** Build args; `KEY` without a value is taken from the project environment or left out. */
  readonly args: Readonly<Record<string, string>>;
  readonly target?: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly tags: readonly string[];
  readonly platforms: readonly string[];
  readonly cacheFrom: readonly string[];
  readonly cacheTo: readonly string[];
  readonly noCache: boolean;
  readonly pull: boolean;
  readonly network?: string;
}

/** An `env_file` entry. */
export interface EnvFileRef {
  readonly path: string;
  readonly required: boolean;
  readonly format?: "raw";
}

/** One mount; the long syntax's shape. Short syntax is read as docker compose reads it. */
export interface VolumeMount {
  readonly type: "volume" | "bind" | "tmpfs" | "npipe" | "cluster" | "image";
  /** A key of `project.volumes` for `volume`; an absolute host path for `bind`; undefined for anonymous volumes and tmpfs. */
  readonly source?: string;
  /** Absolute path in the container. */
  readonly target: string;
  readonly readOnly: boolean;
  readonly consistency?: string;
  readonly bind?: { readonly propagation?: string; readonly createHostPath: boolean; readonly selinux?: "z" | "Z" };
  readonly volume?: { readonly nocopy: boolean; readonly subpath?: string };
  readonly tmpfs?: { readonly sizeBytes?: number; readonly mode?: number };
}

export type DependencyCondition = "service_started" | "service_healthy" | "service_completed_successfully";

/** One `depends_on` entry; the short syntax means `service_started`, required, no restart. */
export interface ServiceDependency {
  readonly condition: DependencyCondition;
  /** false: a missing or failing dependency is only warned about. */
  readonly required: boolean;
  /** Restart this service when the dependency is updated (compose `restart: true`). */
  readonly restart: boolean;
}

/** `healthcheck:`; durations left out inherit the image's HEALTHCHECK (or the runtime's defaults). */
export interface Healthcheck {
  /** `["CMD", …]` or `["CMD-SHELL", "…"]`; undefined keeps the image's test. */
  readonly test?: readonly string[];
  /** `disable: true` or `test: ["NONE"]`: no health check, not even the image's. */
  readonly disabled: boolean;
  readonly intervalMs?: number;
  readonly timeoutMs?: number;
  readonly retries?: number;
  readonly startPeriodMs?: number;
  readonly startIntervalMs?: number;
}

/** `restart:`. */
export interface RestartPolicy {
  readonly policy: "no" | "always" | "on-failure" | "unless-stopped";
  /** `on-failure:N`. */
  readonly maxRetries?: number;
}

/** A service's attachment to one network. */
export interface ServiceNetwork {
  readonly aliases: readonly string[];
  readonly ipv4Address?: string;
  readonly ipv6Address?: string;
  readonly priority?: number;
}

/** A service's grant of a secret or config (short syntax: only the source). */
export interface FileGrant {
  /** A key of `project.secrets` / `project.configs`. */
  readonly source: string;
  /** Absolute path in the container: `/run/secrets/<source>` for secrets and `/<source>` for configs by default. */
  readonly target: string;
  readonly uid?: string;
  readonly gid?: string;
  /** File mode; YAML 1.1 octal (`0440`) and octal strings are read as compose reads them. */
  readonly mode?: number;
}

/** `deploy:`, with the compose-spec defaults filled in. */
export interface ServiceDeploy {
  readonly mode: "replicated" | "global";
  /** `deploy.replicas`, else `scale`, else 1 (the autoscale minimum when `x-berth.autoscale` is set and neither is). */
  readonly replicas: number;
  readonly labels: Readonly<Record<string, string>>;
  readonly resources: { readonly limits: ResourceSpec; readonly reservations: ResourceSpec };
  /** undefined: `restart:` applies. */
  readonly restartPolicy?: DeployRestartPolicy;
  readonly updateConfig: UpdateConfig;
  readonly rollbackConfig: UpdateConfig;
  readonly endpointMode?: "vip" | "dnsrr";
}

/** CPU, memory and process limits or reservations. */
export interface ResourceSpec {
  readonly cpus?: number;
  readonly memoryBytes?: number;
  readonly pids?: number;
}

/** `deploy.restart_policy`. */
export interface DeployRestartPolicy {
  readonly condition: "none" | "on-failure" | "any";
  readonly delayMs: number;
  /** undefined: never give up. */
  readonly maxAttempts?: number;
  /** 0: decide at once. */
  readonly windowMs: number;
}

/** `deploy.update_config` / `deploy.rollback_config`; defaults from deploy.md, parallelism 1 as swarm. */
export interface UpdateConfig {
  readonly parallelism: number;
  readonly delayMs: number;
  readonly failureAction: "continue" | "rollback" | "pause";
  readonly monitorMs: number;
  readonly maxFailureRatio: number;
  readonly order: "stop-first" | "start-first";
}

/** berth's service options (`x-berth`). */
export interface BerthServiceOptions {
  readonly autoscale?: AutoscaleOptions;
  readonly rightSize: RightSizeOptions;
  /** A health check run by berth from the host instead of `healthcheck.test` (its timings still apply). */
  readonly probe?: ServiceProbe;
}

/** `x-berth.probe`: `{http: /healthz, port: 3001}` (GET, healthy on 2xx/3xx) or `{tcp: 6379}` (a connect). */
export type ServiceProbe = { readonly kind: "http"; readonly port: number; readonly path: string } | { readonly kind: "tcp"; readonly port: number };

/** `x-berth.autoscale`: keep average CPU per replica near `cpuPercent`. */
export interface AutoscaleOptions {
  readonly min: number;
  readonly max: number;
  /** Target CPU use per replica, in percent of one CPU (or of its limit when one is set). */
  readonly cpuPercent: number;
  /** Wait this long after a scale change before scaling down again. */
  readonly cooldownMs: number;
}

/** `x-berth.right-size`: how `berth recommend` sizes the service. */
export interface RightSizeOptions {
  readonly enabled: boolean;
  /** Sliding window of observed usage. */
  readonly windowMs: number;
  readonly cpuPercentile: number;
  readonly memoryPercentile: number;
  /** Safety margin added on top of the percentile, in percent. */
  readonly marginPercent: number;
}
