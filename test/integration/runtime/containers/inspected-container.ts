/**
 * docker's `inspect` JSON for one container: the fields these tests read.
 * Parsed from the CLI's output and trusted only after the shape test in
 * lifecycle.test.ts, which checks each of these is present with its type.
 */
export interface InspectedContainer {
  readonly Id: string;
  readonly Name: string;
  readonly Created: string;
  readonly Path: string;
  readonly Args: readonly string[];
  readonly RestartCount: number;
  readonly LogPath: string;
  readonly State: InspectedState;
  readonly Config: {
    readonly Hostname: string;
    readonly Env: readonly string[];
    readonly Cmd: readonly string[] | null;
    readonly Image: string;
    readonly WorkingDir: string;
    readonly Labels: Readonly<Record<string, string>>;
    /** The container's check in nanoseconds, when it has one. */
    readonly Healthcheck?: { readonly Test: readonly string[]; readonly Interval: number; readonly Timeout: number; readonly StartPeriod: number; readonly Retries: number };
  };
  readonly HostConfig: {
    readonly NetworkMode: string;
    readonly Memory: number;
    readonly NanoCpus: number;
    readonly PidsLimit: number | null;
    readonly RestartPolicy: { readonly Name: string; readonly MaximumRetryCount: number };
    readonly Init: boolean;
    readonly PortBindings: Readonly<Record<string, readonly { readonly HostIp: string; readonly HostPort: string }[] | null>>;
  };
  readonly NetworkSettings: {
    readonly IPAddress: string;
    readonly Networks: Readonly<Record<string, { readonly NetworkID: string; readonly IPAddress: string; readonly Aliases?: readonly string[] | null }>>;
    readonly Ports: Readonly<Record<string, readonly { readonly HostIp: string; readonly HostPort: string }[] | null>>;
  };
  readonly Mounts: readonly { readonly Type: string; readonly Name?: string; readonly Source: string; readonly Destination: string }[];
}

/** `State` of {@link InspectedContainer}. */
export interface InspectedState {
  readonly Status: string;
  readonly Running: boolean;
  readonly Restarting: boolean;
  readonly OOMKilled: boolean;
  readonly Pid: number;
  readonly ExitCode: number;
  readonly Error: string;
  readonly StartedAt: string;
  readonly FinishedAt: string;
  readonly Health?: {
    readonly Status: string;
    readonly FailingStreak: number;
    readonly Log: readonly { readonly ExitCode: number; readonly Output: string }[];
  };
}
