import { join } from "node:path";
import type { EndpointSettings } from "./container-endpoints.js";
import type { ContainerRecord } from "./container-record.js";
import type { ContainerState } from "./container-state.js";
import { etcFilesIn } from "./etc-files.js";
import type { HealthStatus } from "./health-status.js";
import type { PortMapping } from "./network/index.js";

/** `docker inspect`'s JSON for a container, the fields scripts read. */
export interface ContainerInspect {
  readonly Id: string;
  readonly Created: string;
  readonly Path: string;
  readonly Args: readonly string[];
  readonly State: {
    readonly Status: string;
    readonly Running: boolean;
    readonly Paused: false;
    readonly Restarting: boolean;
    readonly OOMKilled: boolean;
    readonly Dead: false;
    readonly Pid: number;
    readonly ExitCode: number;
    readonly Error: string;
    readonly StartedAt: string;
    readonly FinishedAt: string;
    readonly Health?: { readonly Status: string; readonly FailingStreak: number; readonly Log: readonly unknown[] };
  };
  readonly Image: string;
  readonly Name: string;
  readonly RestartCount: number;
  readonly Driver: "overlay";
  readonly Platform: "linux";
  readonly LogPath: string;
  /** The files berth bind-mounts over /etc/resolv.conf, /etc/hostname and /etc/hosts. */
  readonly ResolvConfPath: string;
  readonly HostnamePath: string;
  readonly HostsPath: string;
  /** The container's overlay: its image layers (top first), its changes, overlayfs's scratch dir, the mount. */
  readonly GraphDriver: { readonly Name: "overlay"; readonly Data: { readonly LowerDir: string; readonly UpperDir: string; readonly WorkDir: string; readonly MergedDir: string } };
  /** berth keeps no exec records: always null, docker's value with none running. */
  readonly ExecIDs: null;
  /** berth applies no AppArmor profile. */
  readonly AppArmorProfile: "";
  readonly HostConfig: Readonly<Record<string, unknown>>;
  readonly Config: Readonly<Record<string, unknown>>;
  readonly NetworkSettings: Readonly<Record<string, unknown>>;
  readonly Mounts: readonly unknown[];
}

const ZERO_TIME = "0001-01-01T00:00:00Z";
/** The size of the /dev/shm berth mounts (runtime-spec.ts), docker's default ShmSize. */
const SHM_SIZE = 64 * 1024 * 1024;

/** docker's JSON has null, not [], for a list nobody set. */
const orNull = <T>(list: readonly T[]): readonly T[] | null => (list.length > 0 ? list : null);

/** The command the container runs: docker's Path and Args. */
export function commandLine(r: ContainerRecord): string[] {
  const entrypoint = r.options.entrypoint ?? r.imageConfig.Entrypoint ?? [];
  const cmd = r.options.cmd !== undefined && r.options.cmd.length > 0 ? r.options.cmd : r.options.entrypoint !== undefined ? [] : (r.imageConfig.Cmd ?? []);
  return [...entrypoint, ...cmd];
}

/** What {@link inspectContainer} is built from. */
export interface InspectSources {
  readonly record: ContainerRecord;
  /** Settled (see currentState). */
  readonly state: ContainerState;
  readonly logPath: string;
  /** The container's directory: its /etc files and overlay dirs are there. */
  readonly dir: string;
  readonly health?: HealthStatus;
  /** By network name (see containerEndpoints). */
  readonly networks: Readonly<Record<string, EndpointSettings>>;
  /** The published ports with the host ports the current run got; only while running (docker's NetworkSettings.Ports). */
  readonly livePorts?: readonly PortMapping[];
  /** A named or anonymous volume's `_data` dir → its name: those binds are volumes. */
  readonly volumeDirs?: ReadonlyMap<string, string>;
}

/** docker's `{"80/tcp": [{HostIp, HostPort}]}`; `forBindings` keeps what was asked ("" for any address, "" for a port to pick). */
function portMap(ports: readonly PortMapping[], forBindings: boolean): Record<string, { HostIp: string; HostPort: string }[]> {
  const out: Record<string, { HostIp: string; HostPort: string }[]> = {};
  for (const p of ports) {
    for (let i = 0; i < p.range; i++) {
      (out[`${p.containerPort + i}/${p.protocol}`] ??= []).push({
        HostIp: forBindings ? p.hostIp : p.hostIp || "0.0.0.0",
        // docker keeps a host range for one port as asked (`8000-8010`); the port it got is in NetworkSettings.Ports.
        HostPort: p.hostPort === 0 ? "" : forBindings && p.hostPortEnd !== undefined ? `${p.hostPort}-${p.hostPortEnd}` : String(p.hostPort + i),
      });
    }
  }
  return out;
}

/**
 * Build docker's inspect object from berth's record, settled state, health
 * and network view. As docker's, `HostConfig.PortBindings` is what was asked
 * for and `NetworkSettings.Ports` what the current run got: empty unless running.
 */
export function inspectContainer(src: InspectSources): ContainerInspect {
  const { record: r, state: s, logPath, dir, health, networks } = src;
  const etc = etcFilesIn(dir);
  const binds = r.options.binds ?? [];
  const volumeDirs = src.volumeDirs ?? new Map<string, string>();
  const [path = "", ...args] = commandLine(r);
  const o = r.options;
  const primary = Object.values(networks).find((n) => n.IPAddress !== "");
  return {
    Id: r.id,
    Created: r.created,
    Path: path,
    Args: args,
    State: {
      Status: s.status,
      Running: s.status === "running",
      Paused: false,
      Restarting: s.status === "restarting",
      OOMKilled: s.oomKilled === true,
      Dead: false,
      Pid: s.status === "running" ? (s.pid?.pid ?? 0) : 0,
      ExitCode: s.exitCode ?? 0,
      Error: s.error ?? "",
      StartedAt: s.startedAt ?? ZERO_TIME,
      FinishedAt: s.finishedAt ?? ZERO_TIME,
      ...(health !== undefined && { Health: { Status: health.status, FailingStreak: health.failingStreak, Log: health.log } }),
    },
    Image: r.imageId,
    Name: `/${r.name ?? r.id.slice(0, 12)}`,
    RestartCount: s.restartCount,
    Driver: "overlay",
    Platform: "linux",
    LogPath: logPath,
    ResolvConfPath: etc.resolvConf,
    HostnamePath: etc.hostname,
    HostsPath: etc.hosts,
    GraphDriver: {
      Name: "overlay",
      Data: { LowerDir: r.lowerDirs.join(":"), UpperDir: join(dir, "upper"), WorkDir: join(dir, "work"), MergedDir: join(dir, "rootfs") },
    },
    ExecIDs: null,
    AppArmorProfile: "",
    HostConfig: {
      Binds: orNull(binds.map((b) => `${volumeDirs.get(b.source) ?? b.source}:${b.destination}${b.readOnly ? ":ro" : ""}`)),
      NetworkMode: o.network ?? "none",
      PortBindings: portMap(o.publish ?? [], true),
      RestartPolicy: { Name: r.restartPolicy?.name ?? "no", MaximumRetryCount: r.restartPolicy?.maximumRetryCount ?? 0 },
      AutoRemove: r.autoRemove === true,
      Runtime: r.runtime ?? "runc",
      CapAdd: orNull(o.capAdd ?? []),
      CapDrop: orNull(o.capDrop ?? []),
      Privileged: false,
      ShmSize: SHM_SIZE,
      CpuShares: 0,
      Dns: [],
      ExtraHosts: null,
      // conmon writes the k8s-file format (podman's name for it), not docker's json-file.
      LogConfig: { Type: "k8s-file", Config: {} },
      ReadonlyRootfs: o.readOnly === true,
      Tmpfs: Object.fromEntries((o.tmpfs ?? []).map((t) => [t.destination, t.options.join(",")])),
      Memory: o.memory ?? 0,
      MemorySwap: o.memorySwap ?? (o.memory !== undefined ? o.memory * 2 : 0),
      NanoCpus: o.cpus !== undefined ? Math.round(o.cpus * 1e9) : 0,
      PidsLimit: o.pidsLimit ?? null,
      Init: o.init === true,
      SecurityOpt: orNull([...(o.noNewPrivileges ? ["no-new-privileges"] : []), ...(o.seccompProfile !== undefined ? [`seccomp=${o.seccompProfile}`] : [])]),
    },
    Config: {
      Hostname: o.hostname ?? r.id.slice(0, 12),
      User: o.user ?? r.imageConfig.User ?? "",
      Env: [...(r.imageConfig.Env ?? []), ...(o.env ?? [])],
      Cmd: o.cmd ?? r.imageConfig.Cmd ?? null,
      Entrypoint: o.entrypoint ?? r.imageConfig.Entrypoint ?? null,
      Image: r.image,
      WorkingDir: o.workdir ?? r.imageConfig.WorkingDir ?? "",
      Labels: r.labels ?? {},
      Tty: r.tty === true,
      StopSignal: r.stopSignal ?? "SIGTERM",
      ...(r.health !== undefined && { Healthcheck: { Test: r.health.test, Interval: r.health.intervalMs * 1e6, Timeout: r.health.timeoutMs * 1e6, StartPeriod: r.health.startPeriodMs * 1e6, Retries: r.health.retries } }),
    },
    NetworkSettings: {
      Networks: networks,
      Ports: s.status === "running" ? portMap(src.livePorts ?? [], false) : {},
      // docker's top-level fields (its default bridge's); berth's are the first network with an address.
      IPAddress: primary?.IPAddress ?? "",
      IPPrefixLen: primary?.IPPrefixLen ?? 0,
      Gateway: primary?.Gateway ?? "",
      MacAddress: primary?.MacAddress ?? "",
    },
    Mounts: [
      ...binds.map((b) => {
        const volume = volumeDirs.get(b.source);
        return volume !== undefined
          ? { Type: "volume", Name: volume, Source: b.source, Destination: b.destination, Driver: "local", Mode: b.readOnly ? "ro" : "", RW: !b.readOnly, Propagation: "" }
          : { Type: "bind", Source: b.source, Destination: b.destination, Mode: b.readOnly ? "ro" : "", RW: !b.readOnly, Propagation: b.propagation ?? "rprivate" };
      }),
    ],
  };
}
