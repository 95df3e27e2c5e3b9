import type { ContainerRecord } from "./container-record.js";
import type { ContainerState } from "./container-state.js";
import type { HealthStatus } from "./health-status.js";

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
  readonly HostConfig: Readonly<Record<string, unknown>>;
  readonly Config: Readonly<Record<string, unknown>>;
  readonly NetworkSettings: Readonly<Record<string, unknown>>;
  readonly Mounts: readonly unknown[];
}

const ZERO_TIME = "0001-01-01T00:00:00Z";

/** The command the container runs: docker's Path and Args. */
export function commandLine(r: ContainerRecord): string[] {
  const entrypoint = r.options.entrypoint ?? r.imageConfig.Entrypoint ?? [];
  const cmd = r.options.cmd !== undefined && r.options.cmd.length > 0 ? r.options.cmd : r.options.entrypoint !== undefined ? [] : (r.imageConfig.Cmd ?? []);
  return [...entrypoint, ...cmd];
}

/** Build docker's inspect object from berth's record, settled state, health and network view. */
export function inspectContainer(
  r: ContainerRecord, s: ContainerState, logPath: string, health: HealthStatus | undefined, networks: Readonly<Record<string, unknown>>,
  volumeDirs: ReadonlyMap<string, string> = new Map(),
): ContainerInspect {
  const [path = "", ...args] = commandLine(r);
  const o = r.options;
  const ports: Record<string, { HostIp: string; HostPort: string }[]> = {};
  for (const p of o.publish ?? []) {
    for (let i = 0; i < p.range; i++) (ports[`${p.containerPort + i}/${p.protocol}`] ??= []).push({ HostIp: p.hostIp || "0.0.0.0", HostPort: String(p.hostPort + i) });
  }
  const firstIp = Object.values(networks).map((n) => (n as { IPAddress?: string }).IPAddress).find((ip) => ip !== undefined) ?? "";
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
    HostConfig: {
      Binds: (o.binds ?? []).map((b) => `${volumeDirs.get(b.source) ?? b.source}:${b.destination}${b.readOnly ? ":ro" : ""}`),
      NetworkMode: o.network ?? "none",
      PortBindings: ports,
      RestartPolicy: { Name: r.restartPolicy?.name ?? "no", MaximumRetryCount: r.restartPolicy?.maximumRetryCount ?? 0 },
      AutoRemove: r.autoRemove === true,
      Runtime: r.runtime ?? "runc",
      CapAdd: o.capAdd ?? null,
      CapDrop: o.capDrop ?? null,
      ReadonlyRootfs: o.readOnly === true,
      Tmpfs: Object.fromEntries((o.tmpfs ?? []).map((t) => [t.destination, t.options.join(",")])),
      Memory: o.memory ?? 0,
      MemorySwap: o.memorySwap ?? (o.memory !== undefined ? o.memory * 2 : 0),
      NanoCpus: o.cpus !== undefined ? Math.round(o.cpus * 1e9) : 0,
      PidsLimit: o.pidsLimit ?? null,
      Init: o.init === true,
      SecurityOpt: [...(o.noNewPrivileges ? ["no-new-privileges"] : []), ...(o.seccompProfile !== undefined ? [`seccomp=${o.seccompProfile}`] : [])],
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
    NetworkSettings: { Networks: networks, Ports: ports, IPAddress: firstIp },
    Mounts: [
      ...(o.binds ?? []).map((b) => {
        const volume = volumeDirs.get(b.source);
        return volume !== undefined
          ? { Type: "volume", Name: volume, Source: b.source, Destination: b.destination, Driver: "local", Mode: b.readOnly ? "ro" : "", RW: !b.readOnly, Propagation: "" }
          : { Type: "bind", Source: b.source, Destination: b.destination, Mode: b.readOnly ? "ro" : "", RW: !b.readOnly, Propagation: b.propagation ?? "rprivate" };
      }),
      ...(o.tmpfs ?? []).map((t) => ({ Type: "tmpfs", Source: "", Destination: t.destination, Mode: t.options.join(","), RW: true, Propagation: "" })),
    ],
  };
}
