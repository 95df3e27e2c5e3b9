import type { ContainerNetworkState, ContainerStatus, PublishedPort } from "../../runtime/index.js";
import type { DesiredStack } from "./desired-state.js";
import { isReady, type ObservedReplica } from "./observe-stack.js";

/** One replica as `berth service ps` shows it. */
export interface ReplicaStatus {
  readonly name: string;
  readonly id: string;
  readonly number: number;
  readonly state: ContainerStatus;
  /** Undefined when the replica has no health check. */
  readonly health?: "starting" | "healthy" | "unhealthy";
  /** The last check's output, when there is one. */
  readonly lastHealthOutput?: string;
  /** Set once it has exited. */
  readonly exitCode?: number;
  readonly startedAt?: string;
  readonly finishedAt?: string;
  /** Ports as published (host ports picked at start), else as asked for. */
  readonly ports: readonly PublishedPort[];
  readonly image: string;
  readonly configHash: string;
}

/** One service as `berth service ls` shows it. */
export interface ServiceStatus {
  readonly name: string;
  /** From the last `up`; undefined when berth has no record of it (the containers alone are known). */
  readonly desired?: number;
  /** Running and, if checked, healthy. */
  readonly ready: number;
  readonly running: number;
  /** `healthy`, `unhealthy`, `starting`, `1/3 healthy`, or "" when no replica has a check. */
  readonly health: string;
  readonly ports: readonly PublishedPort[];
  readonly replicas: readonly ReplicaStatus[];
}

/** A stack: its services, sorted by name. */
export interface StackStatus {
  readonly project: string;
  readonly services: readonly ServiceStatus[];
}

const portsOf = (r: ObservedReplica): readonly PublishedPort[] =>
  (r.summary.state.network as ContainerNetworkState | undefined)?.ports ?? r.summary.record.options.publish ?? [];

function replicaStatus(r: ObservedReplica): ReplicaStatus {
  const { record, state, health } = r.summary;
  const output = health?.log.at(-1)?.Output;
  return {
    name: record.name ?? record.id.slice(0, 12), id: record.id, number: r.number, state: state.status,
    ...(health !== undefined && { health: health.status }),
    ...(output !== undefined && { lastHealthOutput: output }),
    ...(state.status === "exited" && state.exitCode !== undefined && { exitCode: state.exitCode }),
    ...(state.startedAt !== undefined && { startedAt: state.startedAt }),
    ...(state.finishedAt !== undefined && { finishedAt: state.finishedAt }),
    ports: portsOf(r), image: record.image, configHash: r.configHash,
  };
}

/** The health column: one word when all checked replicas agree, else how many of them are healthy. */
export function healthSummary(replicas: readonly ReplicaStatus[]): string {
  const checked = replicas.filter((r) => r.health !== undefined && r.state === "running");
  if (checked.length === 0) return "";
  const states = new Set(checked.map((r) => r.health));
  if (states.size === 1) return checked[0]!.health!;
  return `${checked.filter((r) => r.health === "healthy").length}/${checked.length} healthy`;
}

/** Build a stack's status from its containers and its recorded desired state (either may be missing). */
export function stackStatus(project: string, observed: readonly ObservedReplica[], desired: DesiredStack | undefined): StackStatus {
  const names = new Set([...Object.keys(desired?.services ?? {}), ...observed.map((r) => r.service)]);
  const services = [...names].sort().map((name): ServiceStatus => {
    const mine = observed.filter((r) => r.service === name);
    const replicas = mine.map(replicaStatus);
    const want = desired?.services[name]?.replicas;
    return {
      name, ...(want !== undefined && { desired: want }),
      ready: mine.filter(isReady).length,
      running: replicas.filter((r) => r.state === "running").length,
      health: healthSummary(replicas),
      ports: replicas.flatMap((r) => (r.state === "running" ? r.ports : [])),
      replicas,
    };
  });
  return { project, services };
}
